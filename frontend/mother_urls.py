"""The mothers' phone app (frontend/mother.py), under /m/."""

urlpatterns = []
