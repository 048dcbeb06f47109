"""asn1crypto specifications of the ICAO LDS structures (ICAO 9303-10 §4.6.2.2, 9303-12 §9): a test oracle.

The library parses these structures itself (cccd_chip/lds/sod.py); the tests compare its
results with what asn1crypto decodes under these declarative specifications.
"""

from __future__ import annotations

from asn1crypto import algos, core, x509


class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    """ICAO 9303-10 §4.6.2.2 (v0) and LDS 1.8 (v1 with LDSVersionInfo)."""

    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]


class CertificateSet(core.SetOf):
    _child_spec = x509.Certificate


class CscaMasterList(core.Sequence):
    """ICAO 9303-12 §9: CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }."""

    _fields = [
        ("version", core.Integer),
        ("cert_list", CertificateSet),
    ]
