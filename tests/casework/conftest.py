from tests.identification.personas import (analyst, caseworker, english_errors, fast_passwords,  # noqa: F401
                                           good_case, report, reviewer, second_reviewer)
