"""HTML pages. The mothers', supervisors' and finance pages come in their own issues."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def home(request):
    return render(request, "frontend/home.html")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found."), "details": {}}}, status=404)
    return render(request, "frontend/error.html", {"message": _("This page does not exist.")}, status=404)


def server_error(request):
    message = _("Something went wrong on our side. Please try again in a moment.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "server_error", "message": message, "details": {}}}, status=500)
    return render(request, "frontend/error.html", {"message": message}, status=500)
