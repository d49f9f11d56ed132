"""Pydantic models mirroring the fulfillmenttools platform's order creation schema.

Source: the public OpenAPI document ``api.swagger.yaml`` in the GitHub
repository ``fulfillmenttools/fulfillmenttools-api-reference`` (OpenAPI 3.0.1,
commit 1ab727aa3c991477a3d85b9a129c8641acd813f2), schema ``OrderForCreation``
and everything it references.

Conventions:

* Attribute names are the platform's JSON (camelCase) names, so
  ``model_dump(exclude_none=True)`` yields the platform's JSON shape directly.
* Every model forbids unknown fields (the platform's ``additionalProperties:
  false``); only ``customAttributes`` is free-form.
* Date-time strings stay ``str``; they are parsed elsewhere.
* Where the platform defines an object inline (no schema name), the class name
  is ours: ``Consumer`` (``OrderForCreation.consumer``), ``PhoneNumber``
  (``Address.phoneNumbers[]``) and ``CustomServiceAdditionalInformation``
  (``CustomServiceDefinition.additionalInformation[]``).
* Our service's contract overrides the platform where they differ:
  ``orderLineItems`` holds 1..500 items, ``quantity`` is a strict int >= 1,
  ``status`` on create is only OPEN or LOCKED, ``statusReasons[].status`` is a
  plain string, and ``consumer`` / ``orderDate`` are required.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# ``LocaleString``: locale -> translation, e.g. {"de_DE": "Wert", "en_US": "Value"}.
LocaleString = dict[str, str]

# Platform enums, as Literal types.
OrderStatus = Literal["OPEN", "CANCELLED", "PROMISED", "LOCKED", "OBSOLETE"]
AddressType = Literal["POSTAL_ADDRESS", "PARCEL_LOCKER", "INVOICE_ADDRESS"]
DeliveryTarget = Literal["SHIP_TO_STORE", "SHIP_TO_CUSTOMER"]
DeliveryReservationMode = Literal["SCHEDULED", "ASAP", "ALAP"]
CarrierProductCategory = Literal["STANDARD", "EXPRESS", "VALUE", "FORWARDING"]
CarrierServices = Literal["SIGNATURE", "CUSTOMER_SIGNATURE", "ADULT_SIGNATURE", "SATURDAY_DELIVERY"]


class _PlatformModel(BaseModel):
    # defer_build: validators are built on first use, not at import (cold start of routes that never
    # validate an order, such as GET or UNLOCK)
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- consumer -----------------------------------------------------------------


class Coordinates(_PlatformModel):
    # ranges: ours (the platform leaves them open); a point off the globe breaks nearest-facility routing
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PhoneNumber(_PlatformModel):
    """One entry of ``Address.phoneNumbers`` (inline in the platform schema)."""

    type: Literal["MOBILE", "PHONE"]
    value: str
    label: str | None = None
    customAttributes: dict[str, Any] | None = None


class Address(_PlatformModel):
    street: str = Field(pattern=r"^.+$")
    city: str = Field(pattern=r"^.+$")
    postalCode: str = Field(pattern=r"^.+$")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    houseNumber: str | None = Field(default=None, pattern=r"^.+$")
    province: str | None = Field(default=None, pattern=r"^.+$")
    additionalAddressInfo: str | None = None
    phoneNumbers: list[PhoneNumber] | None = None
    customAttributes: dict[str, Any] | None = None


class ConsumerAddress(Address):
    companyName: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    salutation: str | None = None
    email: str | None = Field(default=None, min_length=1)
    addressType: AddressType | None = None
    coordinates: Coordinates | None = None


class Consumer(_PlatformModel):
    """``OrderForCreation.consumer`` (inline in the platform schema)."""

    addresses: list[ConsumerAddress]
    consumerId: str | None = None
    customAttributes: dict[str, Any] | None = None
    email: str | None = None  # deprecated by the platform: use addresses[].email


# --- line items -----------------------------------------------------------------


class ArticleAttributeItem(_PlatformModel):
    key: str = Field(min_length=1)
    value: str = Field(min_length=1)
    category: (
        Literal[
            "descriptive",
            "miscellaneous",
            "pickingSequence",
            "customs",
            "insurance",
            "shop",
            "dimensions",
            "carrierService",
        ]
        | None
    ) = None
    keyLocalized: LocaleString | None = None
    valueLocalized: LocaleString | None = None
    priority: int | None = Field(default=None, ge=1, le=1000)
    type: Literal["STRING", "NUMBER", "CURRENCY", "BOOLEAN"] | None = None


# The platform's item schemas that are plain ``allOf: [ArticleAttributeItem]``.
OrderArticleAttributeItem = ArticleAttributeItem
SubstituteAttributeItem = ArticleAttributeItem


class OrderLineItemArticle(_PlatformModel):
    """``AbstractArticle`` plus ``attributes``."""

    tenantArticleId: str
    title: str
    titleLocalized: LocaleString | None = None
    imageUrl: str | None = None
    weight: float | None = Field(default=None, ge=0)
    attributes: list[OrderArticleAttributeItem] | None = None
    customAttributes: dict[str, Any] | None = None


class MeasurementValidation(_PlatformModel):
    shortPickSoftTolerancePercentage: float | None = Field(default=None, ge=0, le=100)
    shortPickHardTolerancePercentage: float | None = Field(default=None, ge=0, le=100)
    overPickSoftTolerancePercentage: float | None = Field(default=None, ge=0)
    overPickHardTolerancePercentage: float | None = Field(default=None, ge=0)


class TagReference(_PlatformModel):
    id: str
    value: str


class Substitute(_PlatformModel):
    tenantArticleId: str
    title: str
    attributes: list[SubstituteAttributeItem] | None = Field(default=None, max_length=40)
    imageUrl: str | None = None
    priority: float | None = Field(default=None, ge=0)
    scannableCodes: list[str] | None = None


class OrderLineItemForCreation(_PlatformModel):
    article: OrderLineItemArticle
    quantity: int = Field(ge=1, strict=True)
    measurementUnitKey: str | None = None
    secondaryMeasurementUnitKey: str | None = None
    secondaryQuantity: int | None = Field(default=None, ge=0)
    scannableCodes: list[str] | None = None
    measurementValidation: MeasurementValidation | None = None
    shopPrice: float | None = None  # deprecated by the platform: use attributes
    tags: list[TagReference] | None = None
    allowedSubstitutes: list[Substitute] | None = None
    customAttributes: dict[str, Any] | None = None


# --- delivery preferences ---------------------------------------------------------


class DeliveryEvent(_PlatformModel):
    deliveryTarget: DeliveryTarget
    deliveryTrigger: Literal["DEFAULT"]


class SupplyingFacilityConfiguration(_PlatformModel):
    facilityRef: str
    deliveryEvents: list[DeliveryEvent]


class CollectDelivery(_PlatformModel):
    facilityRef: str
    paid: bool | None = None
    supplyingFacilities: list[str] | None = None  # deprecated by the platform
    supplyingFacilitiesConfigurations: list[SupplyingFacilityConfiguration] | None = None
    provisioningTime: str | None = None


class PreselectedFacility(_PlatformModel):
    facilityRef: str


class PreferredCarrierWithProduct(_PlatformModel):
    carrierKey: str
    carrierProduct: str | None = None
    carrierServices: list[CarrierServices] | None = None


class DeliveryPreferencesShipping(_PlatformModel):
    preferredCarriers: list[str] | None = None
    preferredCarriersWithProduct: list[PreferredCarrierWithProduct] | None = None
    preselectedFacilities: list[PreselectedFacility] | None = None
    serviceLevel: Literal["DELIVERY", "SAMEDAY"] | None = None
    carrierProductCategory: CarrierProductCategory | None = None
    desiredDeliveryTime: str | None = None


class DeliveryReservationPreferences(_PlatformModel):
    mode: DeliveryReservationMode
    reservationTime: str | None = None


class DeliveryPreferences(_PlatformModel):
    collect: list[CollectDelivery] | None = Field(default=None, max_length=1)
    shipping: DeliveryPreferencesShipping | None = None
    supplyingFacilities: list[str] | None = None  # deprecated: use collect[]
    targetTime: str | None = None
    reservationPreferences: DeliveryReservationPreferences | None = None


# --- custom services, stickers, payment, promises ----------------------------------


class ArticleItem(_PlatformModel):
    tenantArticleRef: str
    quantity: float = Field(ge=1)


class CustomServiceAdditionalInformation(_PlatformModel):
    """One entry of ``CustomServiceDefinition.additionalInformation`` (inline)."""

    additionalInformationRef: str
    tenantAdditionalInformationId: str | None = None
    value: str | int | float | bool | None = None


class CustomServiceDefinition(_PlatformModel):
    tenantCustomServiceId: str | None = None
    customServiceRef: str | None = None
    isBundled: bool | None = None
    additionalInformation: list[CustomServiceAdditionalInformation] | None = None
    customAttributes: dict[str, Any] | None = None


class CustomServiceItemForCreation(_PlatformModel):
    customServiceDefinition: CustomServiceDefinition
    articleItems: list[ArticleItem]
    customServiceItems: list[CustomServiceItemForCreation]


class CustomServiceReferenceForCreation(_PlatformModel):
    customServiceDefinition: CustomServiceDefinition
    articleItems: list[ArticleItem]
    customServiceItems: list[CustomServiceItemForCreation]


class Sticker(_PlatformModel):
    key: str
    nameLocalized: LocaleString
    priority: int = Field(ge=1, le=10000)
    name: str | None = None
    color: str | None = None


class OrderPaymentInfoForCreation(_PlatformModel):
    currency: str | None = None
    methodLocalized: LocaleString | None = None


class OrderPromisesOptions(_PlatformModel):
    validUntil: str


class OrderStatusReason(_PlatformModel):
    # The platform types ``status`` as OrderStatus; our contract takes any string.
    status: str
    reason: str


# --- root ---------------------------------------------------------------------------


class OrderForCreation(_PlatformModel):
    consumer: Consumer
    orderDate: str
    orderLineItems: list[OrderLineItemForCreation] = Field(min_length=1, max_length=500)
    status: Literal["OPEN", "LOCKED"] | None = None
    statusReasons: list[OrderStatusReason] | None = None
    tenantOrderId: str | None = Field(default=None, min_length=1, max_length=256)
    tags: list[TagReference] | None = Field(default=None, min_length=1)
    stickers: list[Sticker] | None = Field(default=None, min_length=1, max_length=100)
    deliveryPreferences: DeliveryPreferences | None = None
    customServices: list[CustomServiceReferenceForCreation] | None = Field(default=None, min_length=1)
    paymentInfo: OrderPaymentInfoForCreation | None = None
    promisesOptions: OrderPromisesOptions | None = None
    customAttributes: dict[str, Any] | None = None
