"""Enums of the public contract that more than one subgraph uses.

Composition requires a type that appears in several subgraphs to be identical in each;
defining these once guarantees it.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry


@strawberry.enum
class Channel(StrEnum):
    SMS = "SMS"
    PUSH = "PUSH"
    EMAIL = "EMAIL"


@strawberry.enum
class MessageCategory(StrEnum):
    APPOINTMENTS = "APPOINTMENTS"
    SERVICE = "SERVICE"
    PACKAGES = "PACKAGES"
    MARKETING = "MARKETING"
    TRANSACTIONS = "TRANSACTIONS"


@strawberry.enum
class PurchaseCategory(StrEnum):
    SERVICE = "SERVICE"
    VOUCHER = "VOUCHER"
    PACK = "PACK"
    PRODUCT = "PRODUCT"
    SUBSCRIPTION = "SUBSCRIPTION"


@strawberry.enum
class PaymentMethod(StrEnum):
    CASH = "CASH"
    CARD = "CARD"
    TRANSFER = "TRANSFER"
    POINTS = "POINTS"
    GIFT_CARD = "GIFT_CARD"
    OTHER = "OTHER"


@strawberry.enum
class SalesChannel(StrEnum):
    IN_STUDIO = "IN_STUDIO"
    APP = "APP"


@strawberry.enum
class AppPlatform(StrEnum):
    ANDROID = "ANDROID"
    IOS = "IOS"
