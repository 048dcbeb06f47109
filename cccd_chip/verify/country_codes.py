"""ICAO 9303-3 state codes (MRZ alpha-3) -> ISO 3166-1 alpha-2 (certificate ``C=``).

The MRZ issuing state (DG1) is an ICAO 9303-3 §5 three-letter code: ISO 3166-1
alpha-3 plus ICAO's own codes (``D`` for Germany, the British nationality
codes, organisations, stateless and refugee codes). DSC and CSCA certificates
carry ISO 3166-1 alpha-2 in ``C=`` (ICAO 9303-12 §7.1.1). BSI TR-03135-1
§5.6.4.5 compares the two through such a table; a code missing from the table
makes the comparison ``undetermined`` (TR-03135-1 Table 5.43).

:func:`alpha2_for` returns ``(alpha2 | None, known)``: ``known`` False for a
code not in the table; ``alpha2`` None for a known code without a country
(``XXA`` stateless, ``UTO`` the fictional specimen state, ...).
"""

from __future__ import annotations

from typing import Final, Optional

# ISO 3166-1 (all 249 officially assigned codes), alpha-3 -> alpha-2.
ISO_3166_ALPHA3: Final[dict[str, str]] = {
    "AFG": "AF", "ALA": "AX", "ALB": "AL", "DZA": "DZ", "ASM": "AS", "AND": "AD", "AGO": "AO", "AIA": "AI",
    "ATA": "AQ", "ATG": "AG", "ARG": "AR", "ARM": "AM", "ABW": "AW", "AUS": "AU", "AUT": "AT", "AZE": "AZ",
    "BHS": "BS", "BHR": "BH", "BGD": "BD", "BRB": "BB", "BLR": "BY", "BEL": "BE", "BLZ": "BZ", "BEN": "BJ",
    "BMU": "BM", "BTN": "BT", "BOL": "BO", "BES": "BQ", "BIH": "BA", "BWA": "BW", "BVT": "BV", "BRA": "BR",
    "IOT": "IO", "BRN": "BN", "BGR": "BG", "BFA": "BF", "BDI": "BI", "CPV": "CV", "KHM": "KH", "CMR": "CM",
    "CAN": "CA", "CYM": "KY", "CAF": "CF", "TCD": "TD", "CHL": "CL", "CHN": "CN", "CXR": "CX", "CCK": "CC",
    "COL": "CO", "COM": "KM", "COG": "CG", "COD": "CD", "COK": "CK", "CRI": "CR", "CIV": "CI", "HRV": "HR",
    "CUB": "CU", "CUW": "CW", "CYP": "CY", "CZE": "CZ", "DNK": "DK", "DJI": "DJ", "DMA": "DM", "DOM": "DO",
    "ECU": "EC", "EGY": "EG", "SLV": "SV", "GNQ": "GQ", "ERI": "ER", "EST": "EE", "SWZ": "SZ", "ETH": "ET",
    "FLK": "FK", "FRO": "FO", "FJI": "FJ", "FIN": "FI", "FRA": "FR", "GUF": "GF", "PYF": "PF", "ATF": "TF",
    "GAB": "GA", "GMB": "GM", "GEO": "GE", "DEU": "DE", "GHA": "GH", "GIB": "GI", "GRC": "GR", "GRL": "GL",
    "GRD": "GD", "GLP": "GP", "GUM": "GU", "GTM": "GT", "GGY": "GG", "GIN": "GN", "GNB": "GW", "GUY": "GY",
    "HTI": "HT", "HMD": "HM", "VAT": "VA", "HND": "HN", "HKG": "HK", "HUN": "HU", "ISL": "IS", "IND": "IN",
    "IDN": "ID", "IRN": "IR", "IRQ": "IQ", "IRL": "IE", "IMN": "IM", "ISR": "IL", "ITA": "IT", "JAM": "JM",
    "JPN": "JP", "JEY": "JE", "JOR": "JO", "KAZ": "KZ", "KEN": "KE", "KIR": "KI", "PRK": "KP", "KOR": "KR",
    "KWT": "KW", "KGZ": "KG", "LAO": "LA", "LVA": "LV", "LBN": "LB", "LSO": "LS", "LBR": "LR", "LBY": "LY",
    "LIE": "LI", "LTU": "LT", "LUX": "LU", "MAC": "MO", "MDG": "MG", "MWI": "MW", "MYS": "MY", "MDV": "MV",
    "MLI": "ML", "MLT": "MT", "MHL": "MH", "MTQ": "MQ", "MRT": "MR", "MUS": "MU", "MYT": "YT", "MEX": "MX",
    "FSM": "FM", "MDA": "MD", "MCO": "MC", "MNG": "MN", "MNE": "ME", "MSR": "MS", "MAR": "MA", "MOZ": "MZ",
    "MMR": "MM", "NAM": "NA", "NRU": "NR", "NPL": "NP", "NLD": "NL", "NCL": "NC", "NZL": "NZ", "NIC": "NI",
    "NER": "NE", "NGA": "NG", "NIU": "NU", "NFK": "NF", "MKD": "MK", "MNP": "MP", "NOR": "NO", "OMN": "OM",
    "PAK": "PK", "PLW": "PW", "PSE": "PS", "PAN": "PA", "PNG": "PG", "PRY": "PY", "PER": "PE", "PHL": "PH",
    "PCN": "PN", "POL": "PL", "PRT": "PT", "PRI": "PR", "QAT": "QA", "REU": "RE", "ROU": "RO", "RUS": "RU",
    "RWA": "RW", "BLM": "BL", "SHN": "SH", "KNA": "KN", "LCA": "LC", "MAF": "MF", "SPM": "PM", "VCT": "VC",
    "WSM": "WS", "SMR": "SM", "STP": "ST", "SAU": "SA", "SEN": "SN", "SRB": "RS", "SYC": "SC", "SLE": "SL",
    "SGP": "SG", "SXM": "SX", "SVK": "SK", "SVN": "SI", "SLB": "SB", "SOM": "SO", "ZAF": "ZA", "SGS": "GS",
    "SSD": "SS", "ESP": "ES", "LKA": "LK", "SDN": "SD", "SUR": "SR", "SJM": "SJ", "SWE": "SE", "CHE": "CH",
    "SYR": "SY", "TWN": "TW", "TJK": "TJ", "TZA": "TZ", "THA": "TH", "TLS": "TL", "TGO": "TG", "TKL": "TK",
    "TON": "TO", "TTO": "TT", "TUN": "TN", "TUR": "TR", "TKM": "TM", "TCA": "TC", "TUV": "TV", "UGA": "UG",
    "UKR": "UA", "ARE": "AE", "GBR": "GB", "USA": "US", "UMI": "UM", "URY": "UY", "UZB": "UZ", "VUT": "VU",
    "VEN": "VE", "VNM": "VN", "VGB": "VG", "VIR": "VI", "WLF": "WF", "ESH": "EH", "YEM": "YE", "ZMB": "ZM",
    "ZWE": "ZW",
}

# ICAO 9303-3 §5 codes that are not ISO 3166-1 alpha-3, with the certificate
# country that signs such documents (None: no state, the comparison cannot be made).
ICAO_SPECIAL_CODES: Final[dict[str, Optional[str]]] = {
    "D": "DE",  # Germany (ICAO keeps the one-letter code; MRZ "D<<")
    # British nationality codes (9303-3 §5.1): documents issued by the United Kingdom
    "GBD": "GB",  # British Overseas Territories Citizen
    "GBN": "GB",  # British National (Overseas)
    "GBO": "GB",  # British Overseas Citizen
    "GBP": "GB",  # British Protected Person
    "GBS": "GB",  # British Subject
    # organisations (9303-3 §5.2); ISO 3166-1 exceptionally reserves EU and UN
    "EUE": "EU",  # European Union
    "UNO": "UN",  # United Nations Organization or one of its officials
    "UNA": "UN",  # specialized agency of the United Nations
    "UNK": "UN",  # resident of Kosovo, document issued by UNMIK
    "XBA": None,  # African Development Bank
    "XIM": None,  # African Export-Import Bank
    "XCC": None,  # Caribbean Community (CARICOM)
    "XCE": None,  # Council of Europe
    "XCO": None,  # Common Market for Eastern and Southern Africa
    "XEC": None,  # Economic Community of West African States
    "XPO": None,  # International Criminal Police Organization (INTERPOL)
    "XES": None,  # Organisation of Eastern Caribbean States
    "XMP": None,  # Parliamentary Assembly of the Mediterranean
    "XOM": None,  # Sovereign Military Order of Malta
    "XDC": None,  # Southern African Development Community
    # nationality-only codes (9303-3 §5.3): never an issuing state
    "XXA": None,  # stateless person (1954 Convention)
    "XXB": None,  # refugee (1951 Convention)
    "XXC": None,  # refugee (other)
    "XXX": None,  # unspecified nationality
    # specimen documents
    "UTO": None,  # Utopia, ICAO's fictional state of the 9303 specimens
}

_NO_STATE_REASONS: Final = {
    "UTO": "UTO is ICAO's fictional specimen state",
    "XXA": "a nationality code (stateless), not an issuing state",
    "XXB": "a nationality code (refugee), not an issuing state",
    "XXC": "a nationality code (refugee), not an issuing state",
    "XXX": "a nationality code (unspecified), not an issuing state",
}


# ICAO's specimen state and the C= its specimen and test PKIs use (not an ISO 3166-1 code).
SPECIMEN_STATE: Final = "UTO"
SPECIMEN_CERTIFICATE_COUNTRY: Final = "UT"


def normalise(code: str) -> str:
    """The MRZ field without fillers, upper case (``D<<`` -> ``D``)."""
    return code.replace("<", "").strip().upper()


def alpha2_for(code: str) -> tuple[Optional[str], bool]:
    """``(alpha-2 | None, known)`` for an MRZ state code (fillers ignored)."""
    c = normalise(code)
    if c in ISO_3166_ALPHA3:
        return ISO_3166_ALPHA3[c], True
    if c in ICAO_SPECIAL_CODES:
        return ICAO_SPECIAL_CODES[c], True
    return None, False


def why_no_state(code: str) -> str:
    """Short explanation for a known code that maps to no country."""
    c = normalise(code)
    return _NO_STATE_REASONS.get(c, f"{c} is an organisation code without an ISO 3166-1 country")


__all__ = ["ISO_3166_ALPHA3", "ICAO_SPECIAL_CODES", "SPECIMEN_STATE", "SPECIMEN_CERTIFICATE_COUNTRY", "alpha2_for", "normalise", "why_no_state"]
