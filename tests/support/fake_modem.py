"""A simulated SMS modem on a pseudo-terminal: it answers AT commands in PDU mode and
decodes and checks every PDU it is sent (saikoku.sms.providers.pdu.decode_submit and
the +CMGS length), as a real modem and network would refuse a malformed one.

    with FakeModem() as modem:          # modem.port is the serial device to open
        ...
    modem.messages                      # [(to, text)] reassembled from the parts
    modem.errors                        # every PDU it found wrong

Scripted by the destination's last digits: ...9999 -> +CMS ERROR: 1 (unassigned
number); ...9997 -> +CMS ERROR: 42 (congestion) on its first part. Each accepted part
is answered with +CMGS: <mr> and, when asked for, a +CDS status report (delivered).
"""

from __future__ import annotations

import os
import select
import threading
import tty

from saikoku.sms.providers.pdu import decode_submit, encode_status_report


class FakeModem:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.commands: list[str] = []
        self.messages: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.pdu_mode = False
        self._parts: dict[tuple[str, int], dict[int, str]] = {}
        self._seen: dict[str, int] = {}
        self._mr = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FakeModem:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)

    def _send(self, text: str) -> None:
        os.write(self.master, text.encode("ascii"))

    def _run(self) -> None:
        buffer = b""
        expect: int | None = None
        while not self._stop.is_set():
            ready, _w, _x = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 4096)
            except OSError:
                return
            while True:
                if expect is not None:
                    if b"\x1a" not in buffer:
                        break
                    pdu, buffer = buffer.split(b"\x1a", 1)
                    self._submit(pdu.decode("ascii").strip(), expect)
                    expect = None
                    continue
                if b"\r" not in buffer:
                    break
                line, buffer = buffer.split(b"\r", 1)
                command = line.decode("ascii").strip()
                if not command:
                    continue
                self.commands.append(command)
                expect = self._command(command)

    def _command(self, command: str) -> int | None:
        if command.startswith("AT+CMGS="):
            if not self.pdu_mode:
                self._send("\r\nERROR\r\n")
                return None
            self._send("\r\n> ")
            return int(command.split("=", 1)[1])
        if command == "AT+CMGF=0":
            self.pdu_mode = True
        self._send("\r\nOK\r\n")
        return None

    def _submit(self, pdu: str, length: int) -> None:
        try:
            submit = decode_submit(pdu)
        except ValueError as error:
            self.errors.append(f"{error}: {pdu}")
            self._send("\r\n+CMS ERROR: 304\r\n")
            return
        if length != len(pdu) // 2 - 1 - int(pdu[:2], 16):
            self.errors.append(f"AT+CMGS={length} for a PDU of {len(pdu) // 2} octets")
            self._send("\r\n+CMS ERROR: 304\r\n")
            return
        first = self._seen.get(submit.to, 0) == 0
        self._seen[submit.to] = self._seen.get(submit.to, 0) + 1
        if submit.to.endswith("9999"):
            self._send("\r\n+CMS ERROR: 1\r\n")
            return
        if submit.to.endswith("9997") and first:
            self._send("\r\n+CMS ERROR: 42\r\n")
            return
        self._mr = (self._mr + 1) & 0xFF
        mr = self._mr
        if submit.part is None:
            self.messages.append((submit.to, submit.text))
        else:
            ref, total, seq = submit.part
            parts = self._parts.setdefault((submit.to, ref), {})
            parts[seq] = submit.text
            if len(parts) == total:
                self.messages.append((submit.to, "".join(parts[i] for i in range(1, total + 1))))
        self._send(f"\r\n+CMGS: {mr}\r\n\r\nOK\r\n")
        if submit.status_report:
            report = encode_status_report(mr, submit.to, 0x00)
            self._send(f"\r\n+CDS: {len(report) // 2 - 1}\r\n{report}\r\n")
