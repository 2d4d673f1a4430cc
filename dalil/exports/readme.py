"""The letter to the recipient at the top of every package: what is in it and how to check it without dalil.

Written in English (README.txt) and Arabic (README.ar.txt); both say the same
thing. The commands are the same in both: they are what the recipient types.
"""

import textwrap

PROFILE_EN = {
    "prosecutor": "PROSECUTOR package: the originals byte for byte, their full metadata (including camera "
                  "serial numbers, which help authenticate a photo), the custody log excerpt, and the "
                  "missing-person reports whose families consented to share them with prosecutors.",
    "partner": "PARTNER ORGANISATION package: identifying metadata (camera serial number and owner, GPS, "
               "software, XMP) has been removed from every photo and from the metadata files; reporters' "
               "contact details are never included, nor any statement that a person is dead.",
}
PROFILE_AR = {
    "prosecutor": "حزمة للنيابة العامة: الملفات الأصلية كما هي بايتًا ببايت، وبياناتها الوصفية كاملة (بما فيها "
                  "الأرقام التسلسلية للكاميرات، وهي تساعد على إثبات صحة الصورة)، ومقتطف سجل حفظ الأدلة، "
                  "وبلاغات المفقودين التي وافقت عائلاتهم على مشاركتها مع النيابة العامة.",
    "partner": "حزمة لمنظمة شريكة: أُزيلت البيانات الوصفية التي قد تكشف هوية أحد (الرقم التسلسلي للكاميرا "
               "ومالكها، وإحداثيات الموقع GPS، والبرمجيات، وبيانات XMP) من كل صورة ومن ملفات البيانات الوصفية؛ "
               "ولا تتضمن الحزمة أبدًا بيانات الاتصال بمقدّمي البلاغات، ولا أي تصريح بوفاة شخص.",
}

LAYOUT = """\
  bagit.txt, bag-info.txt          BagIt declaration and a description of this package
  manifest-sha256.txt              SHA-256 of every file under data/
  manifest-sha512.txt              SHA-512 of every file under data/
  tagmanifest-sha256/512.txt       hashes of the files above and of these READMEs
  data/package.json                index: every item, its file, metadata, proof and seal
  {files_dir:<33}{files_what}
  data/metadata/<sha256>.json      per item: numbers, EXIF, where it was found, derivatives
  data/cases/<case>.json           per body case: numbers, description, findings, history
  data/custody/custody-log.jsonl   custody-log rows about these items and their collections
  data/seal/<collection>.json      the signed seal(s): statement, signature, public key
  data/proofs/<sha256>.json        per item: inclusion proof in the sealed collection
  data/verify/verify_proof.py      checks one file against its proof (Python 3, stdlib only)
  data/verify/check_package.py     checks everything above at once (Python 3, stdlib only)
"""

COMMANDS = """\
  python3 data/verify/check_package.py . --fingerprint {fingerprint}

{one_file}  sha256sum -c manifest-sha256.txt        (or: shasum -a 256 -c manifest-sha256.txt)
  sha512sum -c manifest-sha512.txt

  bagit.py --validate .                   (Library of Congress bagit-python, if installed)
"""


def _one_file(ctx: dict) -> str:
    if ctx["profile"] == "partner":
        return ""  # redacted copies are not the sealed files: check_package.py checks their proofs without them
    return ("  python3 data/verify/verify_proof.py data/originals/<sha256>.<ext> data/proofs/<sha256>.json "
            f"--fingerprint {ctx['fingerprint']}\n\n")


def english(ctx: dict) -> str:
    redacted = ctx["profile"] == "partner"
    return f"""\
DALIL EVIDENCE PACKAGE {ctx['identifier']}
{'=' * (23 + len(ctx['identifier']))}

Made on {ctx['created']} (UTC) by the archive "{ctx['organization']}" for {ctx['recipient'] or 'the recipient named by the archive'}.
Scope: {ctx['scope']}. {ctx['counts']}

{PROFILE_EN[ctx['profile']]}

An Arabic version of this letter is in README.ar.txt.

WHAT IS IN IT
{LAYOUT.format(files_dir='data/redacted/' if redacted else 'data/originals/',
               files_what='the photos, identifying metadata cut out (see below)' if redacted
               else 'the original files, exactly as received and stored')}
HOW TO CHECK IT, WITHOUT THE ARCHIVE'S SOFTWARE

You need only Python 3.8 or newer (nothing to install, no network). In this
folder, run:

{COMMANDS.format(fingerprint=ctx['fingerprint'], one_file=_one_file(ctx))}
1. Integrity of the package. The manifests list the SHA-256 and SHA-512 of
   every file; the tag manifests cover the manifests and this letter. A single
   changed bit in any file makes the check name that file.

2. The originals belong to a sealed collection. The archive's seal is a signed
   statement (Ed25519, RFC 8032) of a Merkle root (RFC 6962) over the SHA-256
   of every file in the collection, sorted. Each proof gives the path from one
   file's hash to that root. verify_proof.py checks the file's hash, the path,
   the statement and the signature.

3. The seal comes from the archive. Anyone can sign with a key of their own:
   compare the key fingerprint
       {ctx['fingerprint']}
   with the one the archive publishes through a channel you trust, or obtain it
   from the archive directly, and pass it with --fingerprint.

4. The custody log. Each row of data/custody/custody-log.jsonl records one
   event (acquired, ingested, quarantined, sealed, verified, exported, an
   original viewed) with who, when, and the hash of the row before it in the
   archive's single log. A row's "hash" is the SHA-256 of the UTF-8 JSON text of
   its fields seq, action, actor, at, collection, item_sha256, details and
   prev_hash, with keys sorted, no spaces (separators "," and ":") and non-ASCII
   characters written as themselves. check_package.py recomputes every row's
   hash, and checks that a row following another directly (seq n+1 after n)
   names that row's hash as prev_hash. Rows about other files are not included,
   so gaps in seq are expected. The last row of the log when the package was
   made is named in data/package.json ("custody" -> "head"); the archive's
   record of this export itself is written to its log after the package was
   complete, because it names the package's hash.

5. The package's own hash. The archive recorded this package as export job
   {ctx['job']} with the SHA-256 of its tagmanifest-sha512.txt (which, through
   the manifests, covers every file). Ask the archive for it and compare with:
       sha256sum tagmanifest-sha512.txt
{REDACTED_EN if redacted else ''}{contacts_en(ctx.get('contacts'))}
Questions: contact the archive that sent you this package and quote {ctx['identifier']}.
"""


REDACTED_EN = """
REDACTED COPIES (partner package)

The photos under data/redacted/ are the originals with their metadata
segments cut out (Exif, XMP, IPTC, comments, vendor segments, anything after
the end of the image); the compressed image data itself is copied byte for
byte, not re-encoded. Their SHA-256 therefore differs from the sealed one.
data/package.json gives, for each copy, the original's SHA-256, the copy's
SHA-256 and what was cut (offset and length in the original). The proof in
data/proofs/ is the original's; check_package.py checks it without the
original. Whoever holds the original (a prosecutor's package) can check that
cutting the same segments out of it gives this copy exactly. Files whose
metadata cannot be cut out without re-encoding are withheld and listed in
data/package.json with the reason.
"""


def arabic(ctx: dict) -> str:
    redacted = ctx["profile"] == "partner"
    files = "data/redacted/" if redacted else "data/originals/"
    return f"""\
حزمة أدلة من «دليل»  {ctx['identifier']}
{'=' * 40}

أُعدّت في {ctx['created']} (بالتوقيت العالمي) من قِبل الأرشيف «{ctx['organization']}» لصالح: {ctx['recipient'] or 'الجهة التي سمّاها الأرشيف'}.
النطاق: {ctx['scope_ar']}. {ctx['counts_ar']}

{PROFILE_AR[ctx['profile']]}

النسخة الإنجليزية من هذه الرسالة في الملف README.txt، وفيها وصف كل ملف في الحزمة.

ما في الحزمة
  {files}    {'الصور بعد إزالة البيانات الوصفية التي قد تكشف هوية أحد' if redacted else 'الملفات الأصلية كما استُلمت وحُفظت تمامًا'}
  data/metadata/      بيانات كل ملف: الأرقام الثلاثة، بيانات EXIF، مكان العثور عليه
  data/cases/         بيانات كل حالة (جثة): الأرقام، الوصف، الإصابات، سجل التعديلات
  data/custody/       مقتطف من سجل حفظ الأدلة يخص هذه الملفات ومجموعاتها
  data/seal/          الختم الموقَّع للمجموعة
  data/proofs/        إثبات انتماء كل ملف إلى المجموعة المختومة
  data/verify/        أداتا تحقق بلغة Python لا تحتاجان إلى أي تثبيت

كيف تتحقق من الحزمة دون برنامج الأرشيف
يكفي Python 3.8 أو أحدث، دون تثبيت أي شيء ودون اتصال بالإنترنت. نفّذ في هذا المجلد:

{COMMANDS.format(fingerprint=ctx['fingerprint'], one_file=_one_file(ctx))}
١. سلامة الحزمة: ملفات manifest تذكر بصمة SHA-256 وSHA-512 لكل ملف، وأي تغيير ولو في بت واحد
   يجعل أداة التحقق تسمّي الملف المتغيّر.
٢. انتماء الملفات إلى مجموعة مختومة: الختم بيان موقَّع (Ed25519) لجذر شجرة ميركل (RFC 6962) فوق
   بصمات SHA-256 لكل ملفات المجموعة مرتّبة، ولكل ملف إثبات يقود من بصمته إلى ذلك الجذر.
٣. الختم صادر عن الأرشيف: يستطيع أي أحد أن يوقّع بمفتاح من عنده، لذا قارن بصمة المفتاح
       {ctx['fingerprint']}
   بالبصمة التي ينشرها الأرشيف عبر قناة تثق بها، ومرّرها مع الخيار ‎--fingerprint‎.
٤. سجل حفظ الأدلة: كل سطر في data/custody/custody-log.jsonl حدث واحد (استلام، إدخال، حجر، ختم،
   تحقق، تصدير، عرض أصل) مع من قام به ومتى، وبصمة السطر الذي قبله في سجل الأرشيف. بصمة السطر
   (hash) هي SHA-256 لنص JSON بترميز UTF-8 لحقوله seq وaction وactor وat وcollection وitem_sha256
   وdetails وprev_hash، بمفاتيح مرتّبة ودون مسافات. تعيد الأداة check_package.py حساب كل بصمة،
   وتتحقق من أن كل سطر يلي سطرًا آخر مباشرة يشير إلى بصمته. الأسطر الخاصة بملفات أخرى غير مضمّنة،
   فالفجوات في الترقيم متوقعة. تسجيل هذا التصدير نفسه يُكتب في سجل الأرشيف بعد اكتمال الحزمة.
٥. بصمة الحزمة نفسها: سجّل الأرشيف هذه الحزمة بوصفها مهمة التصدير رقم {ctx['job']} مع بصمة SHA-256
   للملف tagmanifest-sha512.txt. اطلبها من الأرشيف وقارنها بناتج:
       sha256sum tagmanifest-sha512.txt
{REDACTED_AR if redacted else ''}{contacts_ar(ctx.get('contacts'))}
للاستفسار: تواصل مع الأرشيف الذي أرسل إليك هذه الحزمة واذكر الرقم {ctx['identifier']}.
"""


REDACTED_AR = """
النسخ المنقّحة (حزمة المنظمة الشريكة)
الصور في data/redacted/ هي الأصول بعد قصّ مقاطع البيانات الوصفية منها (EXIF وXMP وIPTC والتعليقات
ومقاطع الشركات المصنّعة وكل ما يلي نهاية الصورة)، أما بيانات الصورة المضغوطة نفسها فمنسوخة بايتًا
ببايت دون إعادة ترميز؛ لذلك تختلف بصمتها عن بصمة الأصل المختوم. يذكر الملف data/package.json لكل نسخة
بصمة الأصل وبصمة النسخة وما قُصّ منها. الإثبات في data/proofs/ هو إثبات الأصل، وتتحقق منه الأداة
check_package.py دون الحاجة إلى الأصل. الملفات التي لا يمكن إزالة بياناتها الوصفية دون إعادة ترميزها
محجوبة، ومذكورة في data/package.json مع السبب.
"""


# Families' contact details (dalil/exports/contacts.py): encrypted to the recipient's age key, or withheld.
OPEN_CONTACTS = """\
  age -d -i key.txt data/contacts.age > contacts.json
  rage -d -i key.txt data/contacts.age > contacts.json        (rage, the Rust age)
  (or, with Python and pyrage installed: pip install pyrage)
  python3 -c "import pyrage,sys; k=pyrage.x25519.Identity.from_str(open('key.txt').read().split()[-1]); sys.stdout.buffer.write(pyrage.decrypt(open('data/contacts.age','rb').read(), [k]))" > contacts.json
"""

CONTACTS_EN = """
THE FAMILIES' CONTACT DETAILS (encrypted)

The names, phone numbers and emails of the {count} reporter(s) who consented to
be contacted are not written anywhere in this package in clear. They are in
one file, data/contacts.age, encrypted with age (https://age-encryption.org)
to the public key(s) you gave the archive:
{keys}
Only the matching secret key (the file age-keygen wrote, "key.txt" below)
opens it. Keep the decrypted file off shared disks and mail. To open it:

{open}
contacts.json lists each report by its reference (as in data/cases/*.json,
"reporter_contact"). The file is listed in the manifests like any other: the
checks above work without the key.
"""

WITHHELD_EN = """
THE FAMILIES' CONTACT DETAILS (withheld)

{paragraph}
"""
WITHHELD_PARAGRAPH_EN = ("{count} family(ies) in this package consented to be contacted, but their contact details are "
                         "not in it: {reason}. Ask the archive for a package made for your age public key, or contact "
                         "the families through the archive.")

WITHHELD_WHY_AR = {
    "no_key": "لم يُعطَ الأرشيف مفتاحًا عامًا (age) للجهة المستلمة لتشفيرها به",
    "role": "من أعدّ الحزمة لا يحق له الاطلاع على بيانات الاتصال (يحق ذلك لمسؤولي الحالات والمدير فقط)",
}

CONTACTS_AR = """
بيانات الاتصال بالعائلات (مشفّرة)
أسماء مقدّمي البلاغات الذين وافقوا على التواصل معهم ({count}) وأرقام هواتفهم وبريدهم الإلكتروني غير مكتوبة
في أي مكان من الحزمة بنص واضح. هي في ملف واحد، data/contacts.age، مشفّر بأداة age
(https://age-encryption.org) للمفتاح أو المفاتيح العامة التي أعطيتموها للأرشيف:
{keys}
لا يفتحه إلا المفتاح السري المقابل (الملف الذي أنشأه age-keygen، واسمه key.txt أدناه). لا تضعوا
الملف بعد فك تشفيره على أقراص مشتركة أو في البريد. لفتحه:

{open}
يذكر الملف contacts.json كل بلاغ برقمه المرجعي (كما في data/cases/*.json، الحقل reporter_contact).
الملف مدرج في ملفات manifest كغيره، فالتحقق أعلاه لا يحتاج إلى المفتاح.
"""

WITHHELD_AR = """
بيانات الاتصال بالعائلات (محجوبة)
وافقت {count} من العائلات في هذه الحزمة على التواصل معها، لكن بيانات الاتصال بها ليست في الحزمة: {reason}.
اطلبوا من الأرشيف حزمة معدّة لمفتاحكم العام (age)، أو تواصلوا مع العائلات عبر الأرشيف.
"""


def _keys(summary: dict) -> str:
    return "".join(f"    {key}\n" for key in summary.get("keys", []))


def contacts_en(summary: dict | None) -> str:
    if not summary or summary["mode"] == "none":
        return ""
    if summary["mode"] == "encrypted":
        return CONTACTS_EN.format(count=summary["count"], keys=_keys(summary), open=OPEN_CONTACTS)
    paragraph = WITHHELD_PARAGRAPH_EN.format(count=summary["withheld"], reason=summary["reason"].split(": ", 1)[-1])
    return WITHHELD_EN.format(paragraph=textwrap.fill(paragraph, width=76))


def contacts_ar(summary: dict | None) -> str:
    if not summary or summary["mode"] == "none":
        return ""
    if summary["mode"] == "encrypted":
        return CONTACTS_AR.format(count=summary["count"], keys=_keys(summary), open=OPEN_CONTACTS)
    return WITHHELD_AR.format(count=summary["withheld"], reason=WITHHELD_WHY_AR.get(summary.get("why"), ""))
