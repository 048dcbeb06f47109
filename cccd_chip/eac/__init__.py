"""Extended Access Control (BSI TR-03110; ICAO 9303-11 §7.1): card-verifiable certificates,
Terminal Authentication and the inspection system's signer.

- :mod:`.oids` - the object identifiers of TR-03110-3 Appendix A.6 (TA algorithms, roles);
- :mod:`.chat` - Certificate Holder Authorization Templates (TR-03110-3 §C.4);
- :mod:`.cvc` - card-verifiable certificates and requests (TR-03110-3 Appendix C);
- :mod:`.chain` - CVCA -> DV -> IS chains, link certificates, effective rights;
- :mod:`.ef_cvca` - EF.CVCA (TR-03110-1 v1.11 §A.1.2.2 / ICAO 9303-10 §4.7.15 note);
- :mod:`.signer` - the inspection system's private key behind a small ``Signer`` protocol;
- :mod:`.ta` - the pure Terminal Authentication steps (APDUs, the signed message).

The driver that runs TA over a channel is :mod:`cccd_chip.access.ta`.
"""
