"""SMS PDUs (3GPP TS 23.040) for the modem provider: SMS-SUBMIT in UCS-2 with a
concatenation header, and the SMS-STATUS-REPORT a modem hands back as +CDS.

The project's own code: the maintained Python PDU libraries target GSM 7-bit text or
pull in a whole modem stack; Japanese SMS needs only UCS-2 (DCS 0x08), an 8-bit
reference concatenation header (IEI 0x00) and international numbers (type 0x91).
Tested against the published examples of the specification's address coding and by a
simulated modem that decodes every PDU it is sent. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "StatusReport",
    "Submit",
    "decode_status_report",
    "decode_submit",
    "encode_address",
    "submit_pdus",
]

SINGLE_OCTETS = 140  # 70 UCS-2 units
PART_UNITS = 67  # 140 octets less the 6-octet header, in whole UCS-2 units
DCS_UCS2 = 0x08
TYPE_INTERNATIONAL = 0x91
VP_ONE_DAY = 0xA7  # relative validity: (0xA7 - 143) * 30 min + 12 h = 24 h
# First octet: TP-MTI SMS-SUBMIT (01), TP-VPF relative (10), TP-SRR status report (1).
FO_SUBMIT = 0x01 | 0x10 | 0x20
FO_UDHI = 0x40


def _swap(digits: str) -> str:
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def encode_address(e164: str) -> str:
    """TP-DA of an international number: digit count, type 0x91, swapped semi-octets."""
    digits = e164.lstrip("+")
    if not digits.isdigit():
        raise ValueError(f"not an international number: {e164!r}")
    return f"{len(digits):02X}{TYPE_INTERNATIONAL:02X}{_swap(digits)}"


def _decode_address(hex_: str, pos: int) -> tuple[str, int]:
    count = int(hex_[pos : pos + 2], 16)
    kind = int(hex_[pos + 2 : pos + 4], 16)
    octets = (count + 1) // 2
    raw = hex_[pos + 4 : pos + 4 + octets * 2]
    digits = _swap(raw).rstrip("F")[:count]
    return ("+" if kind == TYPE_INTERNATIONAL else "") + digits, pos + 4 + octets * 2


def submit_pdus(to: str, text: str, *, reference: int) -> list[str]:
    """The SMS-SUBMIT PDUs (hex, with an empty SMSC field "00") for `text`: one when it
    fits 70 UCS-2 units, else parts of 67 with the header 05 00 03 ref total seq."""
    encoded = text.encode("utf-16-be")
    if len(encoded) % 2 or any(0xD8 <= encoded[i] <= 0xDF for i in range(0, len(encoded), 2)):
        raise ValueError("text outside the BMP cannot be sent as UCS-2")
    units = len(encoded) // 2
    address = encode_address(to)
    if units <= SINGLE_OCTETS // 2:
        chunks, header = [encoded], False
    else:
        step = PART_UNITS * 2
        chunks, header = [encoded[i : i + step] for i in range(0, len(encoded), step)], True
    if len(chunks) > 255:
        raise ValueError("too many parts")
    pdus = []
    for seq, chunk in enumerate(chunks, start=1):
        udh = bytes([5, 0, 3, reference & 0xFF, len(chunks), seq]) if header else b""
        ud = udh + chunk
        first = FO_SUBMIT | (FO_UDHI if header else 0)
        pdu = (
            f"00{first:02X}00{address}00{DCS_UCS2:02X}{VP_ONE_DAY:02X}{len(ud):02X}"
            + ud.hex().upper()
        )
        pdus.append(pdu)
    return pdus


@dataclass(frozen=True)
class Submit:
    to: str
    text: str
    status_report: bool
    # (reference, total, sequence) of a concatenated part, else None
    part: tuple[int, int, int] | None


def decode_submit(pdu: str) -> Submit:
    """Decodes an SMS-SUBMIT PDU as `submit_pdus` writes it; raises ValueError on
    anything else (the simulated modem checks every PDU with it)."""
    hex_ = pdu.strip().upper()
    smsc = int(hex_[0:2], 16)
    pos = 2 + smsc * 2
    first = int(hex_[pos : pos + 2], 16)
    if first & 0x03 != 0x01:
        raise ValueError("not an SMS-SUBMIT")
    pos += 4  # first octet, TP-MR
    to, pos = _decode_address(hex_, pos)
    pid, dcs = int(hex_[pos : pos + 2], 16), int(hex_[pos + 2 : pos + 4], 16)
    pos += 4
    if pid != 0 or dcs != DCS_UCS2:
        raise ValueError(f"unexpected PID/DCS {pid:02X}/{dcs:02X}")
    vpf = (first >> 3) & 0x03
    if vpf == 0x02:
        pos += 2
    elif vpf in (0x01, 0x03):
        pos += 14
    udl = int(hex_[pos : pos + 2], 16)
    ud = bytes.fromhex(hex_[pos + 2 :])
    if len(ud) != udl or udl > 140:
        raise ValueError(f"user data length {udl} but {len(ud)} octets")
    part = None
    if first & FO_UDHI:
        udhl = ud[0]
        header, ud = ud[1 : 1 + udhl], ud[1 + udhl :]
        if len(header) != 5 or header[0] != 0x00 or header[1] != 3:
            raise ValueError("unexpected user data header")
        part = (header[2], header[3], header[4])
        if not 1 <= part[2] <= part[1]:
            raise ValueError("bad part number")
    if len(ud) % 2:
        raise ValueError("odd UCS-2 length")
    return Submit(to=to, text=ud.decode("utf-16-be"), status_report=bool(first & 0x20), part=part)


@dataclass(frozen=True)
class StatusReport:
    reference: int  # TP-MR of the message reported on
    to: str
    status: int  # TP-ST

    @property
    def outcome(self) -> str:
        """delivered, expired, failed (permanent) or pending (still trying)."""
        if self.status <= 0x02:
            return "delivered"
        if self.status == 0x46:
            return "expired"
        if 0x20 <= self.status <= 0x3F:
            return "pending"
        return "failed"


def decode_status_report(pdu: str) -> StatusReport:
    hex_ = pdu.strip().upper()
    smsc = int(hex_[0:2], 16)
    pos = 2 + smsc * 2
    first = int(hex_[pos : pos + 2], 16)
    if first & 0x03 != 0x02:
        raise ValueError("not an SMS-STATUS-REPORT")
    reference = int(hex_[pos + 2 : pos + 4], 16)
    to, pos = _decode_address(hex_, pos + 4)
    pos += 28  # TP-SCTS and TP-DT, 7 octets each
    return StatusReport(reference=reference, to=to, status=int(hex_[pos : pos + 2], 16))


def encode_status_report(reference: int, to: str, status: int) -> str:
    """An SMS-STATUS-REPORT PDU (the simulated modem sends these as +CDS)."""
    stamp = "52110210000063"  # 2025-11-20 01:00:00 +09:00 in swapped semi-octets
    return f"0006{reference:02X}{encode_address(to)}{stamp}{stamp}{status:02X}"
