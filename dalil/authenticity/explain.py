"""Each check and each reason in words a judge can follow, in English with Arabic translations."""

from django.utils.translation import gettext_lazy as _

CHECK_NAMES = {
    "metadata": _("Camera metadata"),
    "jpeg_structure": _("JPEG structure"),
    "thumbnail": _("Embedded thumbnail"),
    "double_jpeg": _("Double JPEG compression"),
    "copy_move": _("Copied region"),
    "camera_tables": _("Tables of the same camera model"),
    "camera_identity": _("Serial number and firmware"),
    "sequence_time": _("Time against file sequence"),
}

REASONS = {
    "no_camera_metadata": _("The file names no camera (no make or model in its Exif): the metadata was removed, "
                            "or the file was made or re-saved by software."),
    "exif_unreadable": _("The Exif metadata is damaged and could not be read."),
    "capture_times_differ": _("The time the photo was taken and the time it was digitised differ; a camera "
                              "writes both at the same moment."),
    "modified_before_capture": _("The file says it was last changed before the photo was taken."),
    "editing_software": _("The Exif 'Software' field names a program that edits or re-saves pictures."),
    "xmp_editing_history": _("The XMP metadata records an editing history or an editing program."),
    "size_differs_from_exif": _("The picture's size differs from the size written in its Exif: it was resized "
                                "or cropped after the camera wrote it."),
    "malformed": _("The JPEG structure is damaged (see the details)."),
    "jfif_before_exif": _("A JFIF header comes before the Exif block; cameras write Exif first, while most "
                          "editing and conversion libraries write JFIF first when they save."),
    "editor_segments": _("The file carries Photoshop or Adobe segments, written by editing software."),
    "progressive": _("The picture is stored progressively; cameras store it in one pass."),
    "data_after_end": _("There is data after the end of the picture (more than 1 KB)."),
    "thumbnail_shape_differs": _("The small preview inside the file has another shape than the picture: the "
                                 "picture was cropped or resized and the preview left as it was."),
    "thumbnail_content_differs": _("The small preview inside the file shows something different from the "
                                   "picture: the picture was changed and the preview left as it was."),
    "double_compression": _("The statistics of the compressed picture show periodic gaps or peaks, the sign "
                            "of a picture saved as JPEG twice (re-saved, possibly after editing)."),
    "copied_region": _("A region of the picture appears twice, at the same offset (a possible copy-move). "
                       "Repeated patterns such as tiles or bars can do the same."),
    "tables_rare_for_model": _("The compression tables differ from those of most photos of the same camera "
                               "model in this collection."),
    "layout_rare_for_model": _("The order of the file's sections differs from that of most photos of the same "
                               "camera model in this collection."),
    "serial_rare_for_model": _("Few photos of this camera model carry this serial number."),
    "firmware_rare_for_model": _("Few photos of this camera model carry this firmware or software version."),
    "out_of_sequence": _("The capture time does not fall between those of the files numbered just before and "
                         "after it from the same camera."),
}

RESULTS = {"clean": _("nothing found"), "flag": _("flag: look closer"), "not_applicable": _("not applicable")}

WHAT_A_FLAG_MEANS = _(
    "A flag means that a check found something a person should look at; it is not a finding that the photo was "
    "doctored. Ordinary handling (copying with transfer software, resizing for e-mail, a messaging app) leaves "
    "many of the same marks. A photo with no flag was not proven authentic either: the checks see only what "
    "they look for. Every flag comes with the numbers behind it, and each check's version is recorded, so the "
    "same file always gives the same result.")


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))
