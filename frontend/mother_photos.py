"""Serving a handed-in photo: to the mother who sent it and to her company's staff, nobody else."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from tasks import selectors


@login_required
@require_GET
def submission_photo(request, pk: int):
    photo = get_object_or_404(selectors.photos_visible_to(request.user), pk=pk)
    try:
        stored = photo.image.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(stored, content_type="image/jpeg")
    # Her photo, never cached by a shared proxy; a browser may keep it while she scrolls.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
    return response
