"""Photos handed in with assembly work: real images only, re-encoded without EXIF, kept privately."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import Role
from tasks import photos, services
from tasks.models import Kind, Submission, SubmissionPhoto
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.HOMESLOT_PRIVATE_ROOT = tmp_path / "private"
    return settings.HOMESLOT_PRIVATE_ROOT


@pytest.fixture
def claimed(mother, assembly, slot):
    return api_for(mother).post(f"/api/v1/projects/{assembly.pk}/claim-next", {"slot": slot.pk}, format="json").json()


def jpeg_with_gps(width=64, height=32, orientation=None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "CheapPhone 1"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (23.0, 1.0, 30.0)  # 23°01'30" N: somewhere in Foshan
    gps[3] = "E"
    gps[4] = (113.0, 7.0, 12.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def image_bytes(fmt: str, size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(user, claim_id, **data):
    return api_for(user).post(f"/api/v1/claims/{claim_id}/submit", data, format="multipart")


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- what is kept -------------------------------------------------------------


def test_a_jpeg_with_gps_exif_is_stored_with_no_metadata_at_all(mother, claimed, private_root):
    original = jpeg_with_gps()
    assert b"Exif" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture is honest

    response = submit(mother, claimed["id"], completed_units=8, photos=[upload(original)])

    assert response.status_code == 201, response.content
    photo = SubmissionPhoto.objects.get()
    assert response.json()["photos"] == [
        {
            "id": photo.pk,
            "url": f"/m/photos/{photo.pk}",
            "width": 64,
            "height": 32,
            "bytes": photo.bytes,
            "created_at": response.json()["photos"][0]["created_at"],
        }
    ]
    kept = photo.image.open("rb").read()
    assert len(kept) == photo.bytes
    assert b"Exif" not in kept and b"PhoneMaker" not in kept and b"taken at home" not in kept
    assert b"http://ns.adobe.com/xap" not in kept  # no XMP either
    stored = Image.open(io.BytesIO(kept))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info and "icc_profile" not in stored.info and "comment" not in stored.info
    assert stored_files(private_root) == [private_root / photo.image.name]


def test_the_photo_is_turned_upright_from_its_exif_orientation(mother, claimed):
    # Orientation 6: the camera was held sideways; shown upright, the 64×32 picture is 32 wide.
    response = submit(mother, claimed["id"], completed_units=8, photos=[upload(jpeg_with_gps(orientation=6))])

    assert response.status_code == 201, response.content
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (32, 64)
    assert Image.open(photo.image.open("rb")).size == (32, 64)


def photo_with_a_corrupt_gps_block(fmt: str) -> bytes:
    """Held sideways (orientation 6), with a GPS block that says it has 49 entries instead of 2."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "X"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (1.0, 2.0, 3.0)
    block = bytes.fromhex("00020001000200000002")  # 2 entries, the first: tag 1, ASCII, 2 bytes
    raw = exif.tobytes()
    assert raw.count(block) == 1  # the fixture is honest
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 30)).save(
        out, format=fmt, exif=raw.replace(block, bytes.fromhex("00310001000200000002"))
    )
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_a_photo_with_a_corrupt_exif_block_is_kept_upright_not_a_500(mother, claimed, fmt):
    """Pillow's exif_transpose writes the EXIF back, and raised TypeError on such a block."""
    response = submit(mother, claimed["id"], completed_units=8, photos=[upload(photo_with_a_corrupt_gps_block(fmt))])

    assert response.status_code == 201, response.content
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (32, 64)  # orientation 6 still read and applied
    with photo.image.open("rb") as stored:
        assert b"Exif" not in stored.read()


def test_png_with_transparency_and_webp_are_accepted_and_become_jpeg(mother, claimed):
    response = submit(
        mother,
        claimed["id"],
        completed_units=8,
        photos=[
            upload(image_bytes("PNG", mode="RGBA"), "a.png", "image/png"),
            upload(image_bytes("WEBP"), "b.webp", "image/webp"),
        ],
    )

    assert response.status_code == 201, response.content
    for photo in SubmissionPhoto.objects.all():
        assert Image.open(photo.image.open("rb")).format == "JPEG"
        assert (photo.width, photo.height) == (40, 30)


def test_a_large_photo_is_scaled_down_to_the_stored_size(mother, claimed):
    response = submit(mother, claimed["id"], completed_units=8, photos=[upload(image_bytes("JPEG", size=(4000, 1000)))])

    assert response.status_code == 201, response.content
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (photos.STORED_MAX_SIDE, 512)


def test_the_service_takes_photos_too(mother, claimed):
    submission = services.claim_submit(
        worker=mother, claim_id=claimed["id"], completed_units=3, photos=[upload(jpeg_with_gps())]
    )

    assert submission.photos.count() == 1


def test_the_review_answer_shows_her_photos(supervisor, mother, claimed):
    handed = submit(mother, claimed["id"], completed_units=8, photos=[upload(jpeg_with_gps())]).json()

    response = api_for(supervisor).post(f"/api/v1/submissions/{handed['id']}/review", {"decision": "accept"})

    assert response.status_code == 200, response.content
    assert response.json()["photos"] == handed["photos"]


# --- what is refused ------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused_and_nothing_is_created(mother, claimed, private_root):
    before = world()
    fake = upload(b"just some text, not a picture\n" * 20, "photo.jpg", "image/jpeg")

    response = submit(mother, claimed["id"], completed_units=8, photos=[fake])

    assert_refused(response, 400, "invalid_photo", before)
    assert SubmissionPhoto.objects.count() == 0 and stored_files(private_root) == []


def test_a_real_image_of_a_refused_format_is_refused_by_content(mother, claimed):
    before = world()
    gif = upload(image_bytes("GIF"), "photo.jpg", "image/jpeg")

    assert_refused(submit(mother, claimed["id"], completed_units=8, photos=[gif]), 400, "invalid_photo", before)


def test_a_photo_over_10_mb_gets_413_and_nothing_is_created(mother, claimed, private_root):
    before = world()
    # A valid JPEG start padded past the limit: refused on its size before it is even decoded.
    big = upload(image_bytes("JPEG") + b"\0" * (photos.MAX_PHOTO_BYTES + 1))

    response = submit(mother, claimed["id"], completed_units=8, photos=[big])

    assert_refused(response, 413, "photo_too_large", before)
    assert SubmissionPhoto.objects.count() == 0 and stored_files(private_root) == []


@pytest.mark.parametrize("side", [10_000, 8_000])  # past Pillow's own limit, and past ours only
def test_a_decompression_bomb_is_refused_and_nothing_is_created(mother, claimed, private_root, side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 200_000  # small on the wire, huge once decoded
    before = world()

    response = submit(mother, claimed["id"], completed_units=8, photos=[upload(out.getvalue(), "bomb.png")])

    assert_refused(response, 400, "photo_too_many_pixels", before)
    assert stored_files(private_root) == []


def test_one_bad_photo_refuses_the_whole_submission(mother, claimed, private_root):
    before = world()
    good, bad = upload(jpeg_with_gps()), upload(b"not an image", "b.jpg")

    response = submit(mother, claimed["id"], completed_units=8, photos=[good, bad])

    assert_refused(response, 400, "invalid_photo", before)
    assert SubmissionPhoto.objects.count() == 0 and stored_files(private_root) == []


def test_at_most_three_photos(mother, claimed, private_root):
    before = world()
    four = [upload(jpeg_with_gps(), f"{i}.jpg") for i in range(4)]

    assert_refused(submit(mother, claimed["id"], completed_units=8, photos=four), 400, "too_many_photos", before)
    assert stored_files(private_root) == []


def test_photos_only_come_with_assembly_work(supervisor, company, mother, private_root):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    slot = factories.slot(supervisor, project)
    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    before = world()

    response = submit(mother, claim.pk, text="文案", photos=[upload(jpeg_with_gps())])

    assert_refused(response, 400, "photos_not_expected", before)


def test_a_disk_failure_midway_leaves_no_file_and_no_submission(mother, claimed, private_root, monkeypatch):
    # The disk fills up while the second photo is written: the first file goes with the rollback.
    real_save = photos.PrivatePhotoStorage._save
    calls = []

    def save_then_fail(self, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(photos.PrivatePhotoStorage, "_save", save_then_fail)
    before = world()

    with pytest.raises(OSError):
        services.claim_submit(
            worker=mother,
            claim_id=claimed["id"],
            completed_units=3,
            photos=[upload(jpeg_with_gps()), upload(jpeg_with_gps())],
        )

    assert len(calls) == 2
    assert world() == before and SubmissionPhoto.objects.count() == 0
    assert stored_files(private_root) == []


def test_a_double_tapped_submit_makes_one_submission(mother, claimed):
    first = submit(mother, claimed["id"], completed_units=8, photos=[upload(jpeg_with_gps())])
    again = submit(mother, claimed["id"], completed_units=8, photos=[upload(jpeg_with_gps())])

    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["error"]["code"] == "claim_not_active"
    assert Submission.objects.count() == 1 and SubmissionPhoto.objects.count() == 1


# --- who may see it -----------------------------------------------------------


@pytest.fixture
def photo(mother, claimed):
    assert submit(mother, claimed["id"], completed_units=8, photos=[upload(jpeg_with_gps())]).status_code == 201
    return SubmissionPhoto.objects.get()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_mother_who_sent_it_and_the_company_staff_see_the_photo(photo, mother, supervisor, company):
    for user in (mother, supervisor, factories.staff(company, Role.FINANCE)):
        response = signed_in(user).get(f"/m/photos/{photo.pk}")
        assert response.status_code == 200, user
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert b"".join(response.streaming_content) == photo.image.open("rb").read()


def test_nobody_else_sees_the_photo(photo, other_mother, other_company):
    for user in (other_mother, factories.staff(other_company, Role.SUPERVISOR)):
        assert signed_in(user).get(f"/m/photos/{photo.pk}").status_code == 404
    assert signed_in(other_mother).get(f"/m/photos/{photo.pk + 1000}").status_code == 404
    anonymous = Client().get(f"/m/photos/{photo.pk}")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/signin/")


def test_the_photos_are_not_under_media_root(photo, settings, private_root):
    path = private_root / photo.image.name
    assert path.is_file()
    assert not str(path.resolve()).startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018 — no public URL exists
