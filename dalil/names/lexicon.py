"""Common Syrian names with the Latin spellings families and organisations use for them.

The learned table (dalil.names.learned) comes from Wikipedia's mostly foreign
names; Syrian given and family names are spelled after local speech (o/u,
e/i, Mhd for Mohammad) and are worth writing down once. Each Arabic name lists
the spellings seen on lists of the missing, Latin keys (dalil.names.phonetic)
compare them, so "Mouhamad" finds "محمد" even though it is not listed.
"""

from functools import lru_cache

from dalil.names.phonetic import latin_key
from dalil.names.script import fold_arabic

# Arabic -> Latin spellings (without al-: the article is handled by dalil.names.parts).
NAMES = {
    "محمد": "muhammad mohammad mohammed mohamed mohamad mhd mhmd mohd mouhammad",
    "أحمد": "ahmad ahmed ehmad",
    "محمود": "mahmoud mahmud mahmood",
    "مصطفى": "mustafa mostafa moustafa",
    "خالد": "khaled khalid khalet",
    "علي": "ali aly",
    "عمر": "omar umar omer",
    "عثمان": "othman osman uthman",
    "حسن": "hasan hassan hasen",
    "حسين": "hussein husain hussain hossein housein",
    "إبراهيم": "ibrahim ebrahim brahim",
    "يوسف": "yousef yusuf youssef yousif joseph",
    "يحيى": "yahya yehya",
    "ياسر": "yaser yasser",
    "ياسين": "yassin yasin yaseen",
    "سعيد": "said saeed saied",
    "سليم": "salim selim",
    "سليمان": "suleiman sulaiman soliman slaiman",
    "سامر": "samer samir",
    "سمير": "samir sameer",
    "رامي": "rami ramy",
    "مازن": "mazen mazin",
    "ماهر": "maher mahir",
    "نور": "nour nur noor",
    "فاطمة": "fatima fatmeh fatme fatma",
    "عائشة": "aisha aysha aicha",
    "مريم": "maryam mariam meriam",
    "زينب": "zeinab zainab zaynab",
    "خديجة": "khadija khadijeh khadeeja",
    "رنا": "rana",
    "هبة": "heba hiba",
    "ريم": "reem rim",
    "لينا": "lina leena",
    "أمل": "amal",
    "نادية": "nadia nadya",
    "سعاد": "souad suad",
    "وفاء": "wafaa wafa",
    "جميلة": "jamila jamileh",
    "حمزة": "hamza hamzah",
    "طارق": "tarek tariq tarik",
    "وائل": "wael wail",
    "باسل": "basel basil",
    "بشار": "bashar",
    "عمار": "ammar amar",
    "أنس": "anas",
    "معاذ": "moaz muath muaz",
    "زياد": "ziad ziyad",
    "فراس": "firas feras",
    "غسان": "ghassan",
    "عماد": "imad emad",
    "جمال": "jamal gamal",
    "كمال": "kamal",
    "نبيل": "nabil nabeel",
    "وليد": "walid waleed",
    "هيثم": "haitham haytham",
    "أيمن": "ayman aiman",
    "منير": "mounir munir",
    "عادل": "adel adil",
    "فادي": "fadi fady",
    "شادي": "shadi shady",
    "جهاد": "jihad",
    "رياض": "riad riyad",
    "قاسم": "qasem kassem qasim kasem",
    "صالح": "saleh salih",
    "إسماعيل": "ismail ismael esmail",
    "عيسى": "issa isa eissa",
    "موسى": "moussa musa mousa",
    "الحلبي": "halabi halaby",
    "الحمصي": "homsi hamsi",
    "الشامي": "shami chami",
    "المصري": "masri masry",
    "الخطيب": "khatib khateeb",
    "الحموي": "hamwi hamawi",
    "العلي": "ali",
    "الحسن": "hasan hassan",
    "الأحمد": "ahmad ahmed",
    "الحسين": "hussein husain",
    "الزعبي": "zoubi zubi zoabi",
    "الدوماني": "doumani dumani",
    "الإدلبي": "idlibi edlebi",
    "الحوراني": "hourani horani",
    "قباني": "kabbani qabbani",
    "العمر": "omar",
    "المحمد": "mohammad mohamed",
    "الخليل": "khalil",
    "خليل": "khalil khaleel",
    "النجار": "najjar nadjar",
    "الحداد": "haddad",
    "العبدالله": "abdallah abdullah abdulla",
    "عبدالله": "abdallah abdullah abdulla",
    # Compounds, as dalil.names.parts joins them (Abd al-Rahman, Abdul Rahman, Abdelrahman -> abdalrahman).
    "عبدالرحمن": "abdalrahman abdalrahmane",
    "عبدالكريم": "abdalkarim abdalkareem",
    "عبدالقادر": "abdalkadir abdalkader abdalqader",
    "عبدالرزاق": "abdalrazak abdalrazzaq",
    "عبدالحميد": "abdalhamid abdalhameed",
    "عبدالعزيز": "abdalaziz",
    "عبدالسلام": "abdalsalam abdalsalaam abdalslam",
    "عبدالهادي": "abdalhadi",
    "عبدالباسط": "abdalbasit abdalbaset",
    "عبدالمجيد": "abdalmajid abdalmajeed",
    "عبدالناصر": "abdalnasser abdalnaser",
    "ابوبكر": "abubakr abubakar",
}


@lru_cache(maxsize=1)
def _by_key() -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for arabic, spellings in NAMES.items():
        for spelling in spellings.split():
            bucket = index.setdefault(latin_key(spelling), [])
            if arabic not in bucket:
                bucket.append(arabic)
    return index


def lexicon_arabic(plain_latin: str) -> list[str]:
    """The Arabic names whose listed spellings sound like this Latin part ('mouhamad' -> ['محمد'])."""
    return list(_by_key().get(latin_key(plain_latin), []))


@lru_cache(maxsize=1)
def known_folded() -> frozenset[str]:
    """Every Arabic name of the lexicon, folded (dalil.names.script.fold_arabic)."""
    return frozenset(fold_arabic(a) for a in NAMES)
