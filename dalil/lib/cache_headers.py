"""No staff page is kept by a browser or a proxy: Cache-Control on every response to a signed-in user.

Staff pages show families' reports, originals with camera serials, custody
rows. Most views already say so (archive_page, casework_page, exports); this
middleware is the net under them, so a view added later, an error page or a
redirect cannot be stored on a shared workstation's disk or by a proxy:
- a page (anything but an image) gets "private, no-store";
- an image keeps its own lifetime (thumbnail grids reload fast) but is "private";
- a response that says "public" on purpose (the public statistics) is left as it is.
"""

from django.utils.cache import patch_cache_control


class StaffNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response  # the portal sets its own (private, no-cache; no-store where a token shows)
        current = response.get("Cache-Control", "").lower()
        if "public" in current:
            return response
        if response.get("Content-Type", "").startswith("image/"):
            patch_cache_control(response, private=True)
        else:
            patch_cache_control(response, private=True, no_store=True)
        return response
