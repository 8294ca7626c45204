"""The demo site, Paris-Nord DC1, as plain data; rows name each other by code.

Building A holds the data hall, reached through an airlock, with two cages of three racks
each; building B holds the offices and the administration room with its three consoles.
Validity periods are in days from the day the demo is loaded, so that one badge is
always expired and the others always current.
"""

from __future__ import annotations

from typing import Any

SITE = {"code": "PAR-DC1", "name": "Paris-Nord DC1", "timezone": "Europe/Paris"}

TENANTS = [
    {"code": "CHU-NO", "name": "CHU Nord-Ouest"},
    {"code": "HOP-STLUC", "name": "Hôpital Saint-Luc"},
    {"code": "CLIN-LILAS", "name": "Clinique des Lilas"},
]

# (code, name, kind, parent code, anti-passback); parents come before their children.
ZONES = [
    ("DC1-GROUNDS", "Campus grounds", "outside", None, "off"),
    ("DC1-A", "Building A (data halls)", "building", "DC1-GROUNDS", "off"),
    ("DC1-A-0", "Building A, ground floor", "floor", "DC1-A", "off"),
    ("DC1-A-LOBBY", "Building A lobby", "room", "DC1-A-0", "off"),
    ("DC1-A-SAS", "Data hall airlock", "airlock", "DC1-A-0", "deny"),
    ("DC1-A-HALL1", "Secure data hall 1", "room", "DC1-A-0", "alert"),
    ("DC1-CAGE-A", "Cage A (CHU Nord-Ouest)", "cage", "DC1-A-HALL1", "off"),
    ("DC1-CAGE-B", "Cage B (shared)", "cage", "DC1-A-HALL1", "off"),
    ("DC1-RACK-A01", "Rack A01", "rack", "DC1-CAGE-A", "off"),
    ("DC1-RACK-A02", "Rack A02", "rack", "DC1-CAGE-A", "off"),
    ("DC1-RACK-A03", "Rack A03", "rack", "DC1-CAGE-A", "off"),
    ("DC1-RACK-B01", "Rack B01", "rack", "DC1-CAGE-B", "off"),
    ("DC1-RACK-B02", "Rack B02", "rack", "DC1-CAGE-B", "off"),
    ("DC1-RACK-B03", "Rack B03", "rack", "DC1-CAGE-B", "off"),
    ("DC1-A-1", "Building A, first floor", "floor", "DC1-A", "off"),
    ("DC1-B", "Building B (offices)", "building", "DC1-GROUNDS", "off"),
    ("DC1-B-0", "Building B, ground floor", "floor", "DC1-B", "off"),
    ("DC1-B-RECEPTION", "Reception", "room", "DC1-B-0", "off"),
    ("DC1-B-1", "Building B, first floor", "floor", "DC1-B", "off"),
    ("DC1-B-ADMIN", "Administration room", "room", "DC1-B-1", "alert"),
]

RACKS = [
    "DC1-RACK-A01",
    "DC1-RACK-A02",
    "DC1-RACK-A03",
    "DC1-RACK-B01",
    "DC1-RACK-B02",
    "DC1-RACK-B03",
]

# (code, name, kind, from zone, to zone); every door gets an "in" and an "out" reader,
# coded R-<door>-IN and R-<door>-OUT.
DOORS = [
    ("DC1-A-MAIN", "Building A entrance", "door", "DC1-GROUNDS", "DC1-A-LOBBY"),
    ("DC1-SAS-EXT", "Airlock outer door", "airlock_outer", "DC1-A-LOBBY", "DC1-A-SAS"),
    ("DC1-SAS-INT", "Airlock inner door", "airlock_inner", "DC1-A-SAS", "DC1-A-HALL1"),
    ("DC1-CAGE-A-GATE", "Cage A gate", "door", "DC1-A-HALL1", "DC1-CAGE-A"),
    ("DC1-CAGE-B-GATE", "Cage B gate", "door", "DC1-A-HALL1", "DC1-CAGE-B"),
    *[
        (f"{rack}-DOOR", f"Rack {rack[-3:]} door", "rack_door", f"DC1-CAGE-{rack[-3]}", rack)
        for rack in RACKS
    ],
    ("DC1-B-MAIN", "Building B turnstile", "turnstile", "DC1-GROUNDS", "DC1-B-RECEPTION"),
    ("DC1-B-ADMIN-DOOR", "Administration room door", "door", "DC1-B-1", "DC1-B-ADMIN"),
]

# (code, airlock zone, outer door, inner door, longest normal cycle in seconds)
AIRLOCK = ("SAS-DC1-A", "DC1-A-SAS", "DC1-SAS-EXT", "DC1-SAS-INT", 90)

# (code, name, zone, IP addresses)
WORKSTATIONS = [
    ("WS-ADM-01", "Admin console 1", "DC1-B-ADMIN", ["10.20.30.11", "fd00:20:30::11"]),
    ("WS-ADM-02", "Admin console 2", "DC1-B-ADMIN", ["10.20.30.12"]),
    ("WS-ADM-03", "Admin console 3", "DC1-B-ADMIN", ["10.20.30.13"]),
]

# (code, name, what it covers as (kind, code) pairs)
CAMERAS = [
    (
        "CAM-A-ENTRANCE",
        "Building A entrance",
        [("door", "DC1-A-MAIN"), ("zone", "DC1-A-LOBBY")],
    ),
    (
        "CAM-SAS",
        "Data hall airlock",
        [("zone", "DC1-A-SAS"), ("door", "DC1-SAS-EXT"), ("door", "DC1-SAS-INT")],
    ),
    (
        "CAM-HALL1-NORTH",
        "Data hall 1, north (cage A)",
        [("zone", "DC1-A-HALL1"), ("door", "DC1-CAGE-A-GATE")]
        + [("door", f"{rack}-DOOR") for rack in RACKS[:3]],
    ),
    (
        "CAM-HALL1-SOUTH",
        "Data hall 1, south (cage B)",
        [("zone", "DC1-A-HALL1"), ("door", "DC1-CAGE-B-GATE")]
        + [("door", f"{rack}-DOOR") for rack in RACKS[3:]],
    ),
    (
        "CAM-ADMIN",
        "Administration room",
        [("zone", "DC1-B-ADMIN"), ("door", "DC1-B-ADMIN-DOOR")]
        + [("workstation", code) for code, *_ in WORKSTATIONS],
    ),
]

# (hostname, rack, tenant, holds health data, IP addresses)
SERVERS = [
    ("dpi-db-01.chu-no.hds.example", "DC1-RACK-A01", "CHU-NO", True, ["10.60.1.10"]),
    ("dpi-app-01.chu-no.hds.example", "DC1-RACK-A01", "CHU-NO", True, ["10.60.1.11"]),
    ("pacs-01.chu-no.hds.example", "DC1-RACK-A02", "CHU-NO", True, ["10.60.1.20"]),
    ("intranet-01.chu-no.hds.example", "DC1-RACK-A03", "CHU-NO", False, ["10.60.1.30"]),
    ("lab-db-01.stluc.hds.example", "DC1-RACK-B01", "HOP-STLUC", True, ["10.60.2.10"]),
    ("lab-app-01.stluc.hds.example", "DC1-RACK-B01", "HOP-STLUC", True, ["10.60.2.11"]),
    ("backup-01.stluc.hds.example", "DC1-RACK-B02", "HOP-STLUC", True, ["10.60.2.20"]),
    ("web-01.stluc.hds.example", "DC1-RACK-B02", "HOP-STLUC", False, ["10.60.2.30"]),
    ("dmp-01.lilas.hds.example", "DC1-RACK-B03", "CLIN-LILAS", True, ["10.60.3.10"]),
    ("erp-01.lilas.hds.example", "DC1-RACK-B03", "CLIN-LILAS", False, ["10.60.3.20"]),
]

HOST = "NordHDS"
# (code, full name, organisation, kind, active)
PEOPLE = [
    ("cmartin", "Camille Martin", HOST, "staff", True),
    ("hbernard", "Hugo Bernard", HOST, "staff", True),
    ("ldubois", "Léa Dubois", HOST, "staff", True),
    ("npetit", "Nicolas Petit", HOST, "staff", True),
    ("slaurent", "Sophie Laurent", HOST, "staff", True),
    ("khaddad", "Karim Haddad", HOST, "staff", True),
    ("jmoreau", "Julien Moreau", HOST, "staff", True),
    ("elefevre", "Emma Lefèvre", HOST, "staff", True),
    ("troux", "Thomas Roux", HOST, "staff", True),
    ("lgarnier", "Lucas Garnier", HOST, "staff", True),
    ("cfaure", "Chloé Faure", HOST, "staff", True),
    ("adiallo", "Aminata Diallo", "Net'Pro Services", "contractor", True),
    ("pferreira", "Paulo Ferreira", "Net'Pro Services", "contractor", True),
    ("igirard", "Inès Girard", "Net'Pro Services", "contractor", True),
    ("mfontaine", "Marc Fontaine", "Clim'Expert", "contractor", False),
    ("ochevalier", "Olivier Chevalier", "Clim'Expert", "contractor", True),
    ("jdupont", "Jean Dupont", "CertiSanté Audit", "visitor", True),
    ("crousseau", "Claire Rousseau", "CHU Nord-Ouest", "tenant_staff", True),
    ("mbenali", "Mehdi Benali", "Hôpital Saint-Luc", "tenant_staff", True),
    ("ablanc", "Anne Blanc", "Clinique des Lilas", "tenant_staff", True),
]

# (uid, holder, status, validity in days from today or None for open-ended)
BADGES: list[tuple[str, str, str, tuple[int, int] | None]] = [
    (f"04:A1:{index:02X}:7C:22:5E:80", person[0], "active", None)
    for index, person in enumerate(PEOPLE[:11])
] + [
    ("04:B2:01:7C:22:5E:80", "adiallo", "active", (-200, 165)),
    ("04:B2:02:7C:22:5E:80", "pferreira", "active", (-200, 165)),
    ("04:B2:03:7C:22:5E:80", "igirard", "active", (-30, 335)),
    ("04:B2:04:7C:22:5E:80", "mfontaine", "revoked", (-100, 80)),
    ("04:B2:05:7C:22:5E:80", "ochevalier", "active", (-10, 90)),
    ("04:C3:01:7C:22:5E:80", "jdupont", "active", (-2, -1)),
    ("04:D4:01:7C:22:5E:80", "crousseau", "active", (-60, 305)),
    ("04:D4:02:7C:22:5E:80", "mbenali", "active", (-60, 305)),
    ("04:D4:03:7C:22:5E:80", "ablanc", "active", (-60, 305)),
]

GROUPS = {
    "admins": ("Administrators", ["cmartin", "hbernard", "ldubois", "npetit"]),
    "security": ("Security guards", ["slaurent", "khaddad"]),
    "technicians": ("Datacenter technicians", ["jmoreau", "elefevre", "troux", "lgarnier"]),
    "cleaning": ("Cleaning crew", ["adiallo", "pferreira", "igirard"]),
}

WEEKDAYS = [0, 1, 2, 3, 4]
ALWAYS: list[dict[str, Any]] = []
OFFICE_HOURS = [{"days": WEEKDAYS, "start": "09:00", "end": "17:00"}]
TECH_HOURS = [
    {"days": WEEKDAYS, "start": "07:00", "end": "20:00"},
    {"days": [5], "start": "08:00", "end": "13:00"},
]
NIGHT_CLEANING = [{"days": WEEKDAYS, "start": "21:00", "end": "01:00"}]
HALL_PATH = ["DC1-A-LOBBY", "DC1-A-SAS", "DC1-A-HALL1"]

# (holder kind, holder code, zones, schedule, validity in days or None, escort required)
ACCESS_RIGHTS: list[
    tuple[str, str, list[str], list[dict[str, Any]], tuple[int, int] | None, bool]
] = [
    (
        "group",
        "security",
        HALL_PATH + ["DC1-CAGE-A", "DC1-CAGE-B", "DC1-B-RECEPTION", "DC1-B-ADMIN"],
        ALWAYS,
        None,
        False,
    ),
    (
        "group",
        "technicians",
        HALL_PATH + ["DC1-CAGE-A", "DC1-CAGE-B", *RACKS],
        TECH_HOURS,
        None,
        False,
    ),
    (
        "group",
        "admins",
        ["DC1-B-RECEPTION", "DC1-B-ADMIN"],
        [{"days": WEEKDAYS, "start": "07:00", "end": "21:00"}],
        None,
        False,
    ),
    (
        "group",
        "admins",
        HALL_PATH,
        [{"days": WEEKDAYS, "start": "08:00", "end": "18:00"}],
        None,
        False,
    ),
    (
        "group",
        "cleaning",
        ["DC1-A-LOBBY", "DC1-B-RECEPTION", "DC1-B-ADMIN"],
        NIGHT_CLEANING,
        None,
        False,
    ),
    (
        "group",
        "cleaning",
        ["DC1-A-SAS", "DC1-A-HALL1"],
        [{"days": [1], "start": "21:00", "end": "23:00"}],
        None,
        True,
    ),
    ("person", "lgarnier", ["DC1-B-RECEPTION", "DC1-B-ADMIN"], ALWAYS, None, False),
    (
        "person",
        "cfaure",
        ["DC1-B-RECEPTION", "DC1-A-LOBBY"],
        [{"days": WEEKDAYS, "start": "07:30", "end": "19:30"}],
        None,
        False,
    ),
    (
        "person",
        "ochevalier",
        HALL_PATH,
        [{"days": WEEKDAYS, "start": "08:00", "end": "17:00"}],
        (-10, 90),
        True,
    ),
    ("person", "mfontaine", ["DC1-A-LOBBY", "DC1-A-HALL1"], OFFICE_HOURS, (-100, -10), True),
    ("person", "jdupont", ["DC1-A-LOBBY", "DC1-B-RECEPTION"], OFFICE_HOURS, (-2, -1), True),
    ("person", "crousseau", HALL_PATH + ["DC1-CAGE-A", *RACKS[:3]], OFFICE_HOURS, (-60, 305), True),
    (
        "person",
        "mbenali",
        HALL_PATH + ["DC1-CAGE-B", "DC1-RACK-B01", "DC1-RACK-B02"],
        OFFICE_HOURS,
        (-60, 305),
        True,
    ),
    (
        "person",
        "ablanc",
        HALL_PATH + ["DC1-CAGE-B", "DC1-RACK-B03"],
        OFFICE_HOURS,
        (-60, 305),
        True,
    ),
]
