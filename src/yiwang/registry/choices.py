from django.db import models
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    LARGE = "large", _("Large enterprise")
    MEDIUM = "medium", _("Medium enterprise")
    SMALL = "small", _("Small enterprise")
    MICRO = "micro", _("Micro enterprise")


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("Operating (存续)")
    SUSPENDED = "suspended", _("Suspended (歇业)")
    REVOKED = "revoked", _("Licence revoked (吊销)")
    CANCELLED = "cancelled", _("Deregistered (注销)")
    MOVED_OUT = "moved_out", _("Moved out (迁出)")


class CreditRating(models.TextChoices):
    """纳税信用等级 (tax credit rating) of the tax administration."""

    A = "A", "A"
    B = "B", "B"
    M = "M", "M"
    C = "C", "C"
    D = "D", "D"


class QualificationKind(models.TextChoices):
    HIGH_TECH = "high_tech", _("High-tech enterprise (高新技术企业)")
    TECH_SME = "tech_sme", _("Technology-based SME (科技型中小企业)")
    INNOVATIVE_SME = "innovative_sme", _("Innovative SME (创新型中小企业)")
    SPECIALISED_SME = "specialised_sme", _("Specialised and innovative SME (专精特新中小企业)")
    LITTLE_GIANT = "little_giant", _("Specialised 'little giant' (专精特新“小巨人”)")


class Source(models.TextChoices):
    """Where a profile value came from (一企一档 is assembled from several departments)."""

    MARKET = "market", _("Market regulation (市场监管)")
    TAX = "tax", _("Tax administration (税务)")
    STATISTICS = "statistics", _("Statistics bureau (统计)")
    SCIENCE = "science", _("Science and technology bureau (科技)")
    SELF = "self", _("Declared by the enterprise (自报)")
    OFFICER = "officer", _("Entered by an officer (政企直通)")
    IMPORT = "import", _("File import")
    API = "api", _("API")
    SEED = "seed", _("Demo data")


# What an import file or an officer may name as the origin of its values.
IMPORT_SOURCES = (Source.MARKET, Source.TAX, Source.STATISTICS, Source.SCIENCE)


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV text")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
