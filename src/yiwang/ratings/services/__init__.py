"""Write services of 好差评 (each ``<entity>_<verb>(*, actor, ...)``, audited)."""

from yiwang.ratings.services.events import (
    rating_default_sweep,
    rating_record_callback,
    rating_submit,
    service_event_hold,
    service_event_record,
)
from yiwang.ratings.services.handling import (
    TRANSITIONS,
    rating_appeal,
    rating_appeal_decide,
    rating_feedback,
    rating_rectify,
    rating_verify,
)

__all__ = [
    "TRANSITIONS",
    "rating_appeal",
    "rating_appeal_decide",
    "rating_default_sweep",
    "rating_feedback",
    "rating_record_callback",
    "rating_rectify",
    "rating_submit",
    "rating_verify",
    "service_event_hold",
    "service_event_record",
]
