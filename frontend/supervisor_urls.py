"""The supervisors' workspace (frontend/supervisor.py), under /work/."""

urlpatterns = []
