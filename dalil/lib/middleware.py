"""Arabic first: the page language is the one chosen with the switcher, else Arabic.

Many families' phones are set to English or French while they read Arabic, so
the browser's Accept-Language is not a good guess of what they want; the
switcher (a cookie) is. This runs just before Django's LocaleMiddleware.
"""


class ArabicFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Kept aside, never used to choose: the portal shows a line in English offering the switch to a phone
        # that asks for English first (dalil.portal.templatetags.portal).
        request.browser_languages = request.META.pop("HTTP_ACCEPT_LANGUAGE", "")
        return self.get_response(request)
