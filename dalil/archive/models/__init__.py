from dalil.archive.models.cases import BodyCase, CaseChange, InjuryCode
from dalil.archive.models.photos import NearDuplicate, Photo

__all__ = ["BodyCase", "CaseChange", "InjuryCode", "NearDuplicate", "Photo"]
