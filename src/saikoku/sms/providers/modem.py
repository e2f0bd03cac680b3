"""An LTE/3G modem or SMS gateway device on a serial port (pyserial): AT commands in
PDU mode. Per part: `AT+CMGS=<octets>`, the `> ` prompt, the PDU in hex, Ctrl-Z, then
`+CMGS: <mr>` and OK, or `+CMS ERROR: <n>`. Status reports are asked for in every
PDU and arrive as `+CDS: <length>` followed by the report's PDU (AT+CNMI=2,1,0,1,0);
`reports` collects them for `sms.reports.sms_modem_reports`.

A modem cannot honour an idempotency key: a message in flight when a worker dies may
be sent twice (docs/sms.md).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

from saikoku.sms.providers.base import ProviderError, SendResult
from saikoku.sms.providers.pdu import StatusReport, decode_status_report, submit_pdus

logger = logging.getLogger("saikoku.sms.modem")

# +CMS ERROR codes (3GPP TS 27.005 §3.2.5, TS 24.011 causes) worth trying again.
TEMPORARY_CMS = {38, 41, 42, 47, 98, 111, 127, 300, 302, 314, 315, 331, 332, 340, 500, 512}
UNKNOWN_NUMBER_CMS = {1, 28}
COMMAND_SECONDS = 30


class ModemProvider:
    name = "modem"
    honours_idempotency_key = False

    def __init__(self, port: Any = None) -> None:
        self._port = port
        self._reference = int(time.time()) & 0xFF
        self.reports: list[StatusReport] = []
        self._ready = False

    def _serial(self) -> Any:
        if self._port is None:
            import serial

            self._port = serial.Serial(
                settings.SAIKOKU_SMS_MODEM_PORT,
                settings.SAIKOKU_SMS_MODEM_BAUD,
                timeout=1,
            )
        if not self._ready:
            for command in ("AT", "ATE0", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0"):
                self._command(command)
            self._ready = True
        return self._port

    def _write(self, data: str) -> None:
        self._port.write(data.encode("ascii"))
        self._port.flush()

    def _read_line(self, deadline: float) -> str:
        buffer = b""
        while time.monotonic() < deadline:
            char = self._port.read(1)
            if not char:
                continue
            buffer += char
            if buffer.endswith(b"\r\n"):
                line = buffer.decode("ascii", "replace").strip()
                buffer = b""
                if line:
                    return line
            elif buffer == b"> ":
                return ">"
        raise ProviderError("modem_timeout", permanent=False)

    def _until_final(self, deadline: float, *, prompt: bool = False) -> tuple[str, list[str]]:
        lines: list[str] = []
        while True:
            line = self._read_line(deadline)
            if line.startswith("+CDS:"):
                self._take_report(deadline)
                continue
            if prompt and line == ">":
                return ">", lines
            if line == "OK":
                return "OK", lines
            if line == "ERROR" or line.startswith("+CMS ERROR") or line.startswith("+CME ERROR"):
                return line, lines
            lines.append(line)

    def _take_report(self, deadline: float) -> None:
        pdu = self._read_line(deadline)
        try:
            self.reports.append(decode_status_report(pdu))
        except ValueError:
            logger.warning("modem: unreadable status report %r", pdu)

    def _command(self, command: str) -> list[str]:
        self._write(command + "\r")
        final, lines = self._until_final(time.monotonic() + COMMAND_SECONDS)
        if final != "OK":
            raise ProviderError("modem_" + final.replace(" ", "_")[:40], permanent=False)
        return lines

    def send(self, *, to: str, text: str, idempotency_key: str, sender: str) -> SendResult:
        self._serial()
        self._reference = (self._reference + 1) & 0xFF
        try:
            pdus = submit_pdus(to, text, reference=self._reference)
        except ValueError as error:
            raise ProviderError("unsendable", permanent=True, detail=str(error)) from error
        references = []
        for pdu in pdus:
            deadline = time.monotonic() + COMMAND_SECONDS
            self._write(f"AT+CMGS={len(pdu) // 2 - 1}\r")
            final, _lines = self._until_final(deadline, prompt=True)
            if final != ">":
                raise _error(final)
            self._write(pdu + "\x1a")
            final, lines = self._until_final(deadline)
            if final != "OK":
                raise _error(final)
            mr = next((line.split(":", 1)[1].strip() for line in lines if "+CMGS:" in line), "")
            references.append(mr)
        return SendResult(provider_id="modem-" + ",".join(references), segments=len(pdus))

    def poll(self, seconds: float = 0.0) -> list[StatusReport]:
        """Reads status reports that arrived while no command ran; returns and clears
        what was collected."""
        if self._port is not None and self._ready:
            deadline = time.monotonic() + seconds
            while self._port.in_waiting or time.monotonic() < deadline:
                try:
                    line = self._read_line(deadline + 0.5)
                except ProviderError:
                    break
                if line.startswith("+CDS:"):
                    self._take_report(time.monotonic() + 2)
        reports, self.reports = self.reports, []
        return reports

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
            self._ready = False


def _error(final: str) -> ProviderError:
    if final.startswith("+CMS ERROR"):
        try:
            code = int(final.split(":", 1)[1])
        except ValueError:
            code = 500
        if code in UNKNOWN_NUMBER_CMS:
            return ProviderError("unknown_number", permanent=True, detail=final)
        return ProviderError(f"cms_{code}", permanent=code not in TEMPORARY_CMS, detail=final)
    return ProviderError("modem_error", permanent=False, detail=final)
