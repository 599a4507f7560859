"""Read and write DMRecord streams (format version 1).

A DMRecord stream is what every dnsmonster-for-Swift stage reads and writes: a
*stream header* followed by length-prefixed *records*; streams may be
concatenated, so a header can appear again at any record boundary.  The format
is specified in ``docs/record-format.md``; this module was built from that page
alone and uses only the Python standard library.

Reading::

    with open("capture.dmr", "rb") as f:
        for item in Reader(f):
            if isinstance(item, Header):
                print("section", [tag for tag, flags, value in item.entries])
            elif item.type == DNS:
                dns = DNSRecord.from_body(item.flags, item.body)
                print(dns.src, first_qname(dns.wire))

Writing::

    w = Writer(sys.stdout.buffer)
    w.write_header([(TAG_SOURCE, 0, b"iface:eth0"),
                    (TAG_PROVENANCE, 0, provenance_entry("me", "1", sys.argv))])
    w.write_record(DNS, 0, dns.to_body())
    w.write_raw(record.raw)          # forward any record byte-for-byte
    w.flush()

Limitations: LZ4-compressed streams (``lz4 -c`` output) are recognised but not
decoded -- the standard library has no LZ4 -- so pipe them through ``lz4 -dc``.
Input files must be blocking binary files.
"""

from __future__ import annotations

import ipaddress
import os
import struct
import time
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

__all__ = [
    "MAGIC", "FORMAT_VERSION", "MAX_RECORD_LENGTH", "MAX_ENTRIES_LENGTH", "HEADER_SIZE",
    "LZ4_FRAME_MAGIC", "PACKET", "DNS", "STATS", "TAG_PROVENANCE", "TAG_SOURCE",
    "DNS_FLAG_MALFORMED", "MATCH_SKIP", "MATCH_ALLOW", "MATCH_EVALUATED",
    "TRANSPORT_UNKNOWN", "TRANSPORT_UDP", "TRANSPORT_TCP", "TRANSPORT_DOT", "TRANSPORT_DOH",
    "TRANSPORT_DOQ", "STATS_PERIODIC", "STATS_FINAL",
    "FormatError", "Entry", "Header", "Record", "Reader", "Writer",
    "Provenance", "provenance_entry", "parse_provenance",
    "DNSRecord", "PacketRecord", "StatsRecord", "dns_message",
    "first_qname", "first_qname_labels",
]

# --------------------------------------------------------------------------
# Constants (spec sections 2, 3, 4)
# --------------------------------------------------------------------------

#: The 8 bytes that start every stream header.
MAGIC = b"\x89DMR\r\n\x1a\n"
#: The only format version this module reads and writes.
FORMAT_VERSION = 1
#: Size of the fixed part of a stream header (magic, version, flags, entries length).
HEADER_SIZE = 16
#: Largest allowed record length field ``L`` (bytes after the length field).
MAX_RECORD_LENGTH = 1_048_576
#: Largest allowed header entries length ``E``.
MAX_ENTRIES_LENGTH = 1_048_576
#: The 4 bytes that start an LZ4 frame.
LZ4_FRAME_MAGIC = b"\x04\x22\x4d\x18"

# Record types.
PACKET = 1
DNS = 2
STATS = 3

# Header entry tags.
TAG_PROVENANCE = 1
TAG_SOURCE = 2

# DNS record flags and match flags.
DNS_FLAG_MALFORMED = 0x0001
MATCH_SKIP = 0x0001
MATCH_ALLOW = 0x0002
MATCH_EVALUATED = 0x0004

# DNS transports.
TRANSPORT_UNKNOWN = 0
TRANSPORT_UDP = 1
TRANSPORT_TCP = 2
TRANSPORT_DOT = 3
TRANSPORT_DOH = 4
TRANSPORT_DOQ = 5

# STATS kinds.
STATS_PERIODIC = 1
STATS_FINAL = 2

_U32 = struct.Struct("<I")
_RECORD_HEAD = struct.Struct("<IHH")        # length, type/tag, flags
_TYPE_FLAGS = struct.Struct("<HH")
_HEADER_FIXED = struct.Struct("<8sHHI")     # magic, version, flags, entries length
_PACKET_FIXED = struct.Struct("<QIHHHH")    # time, orig len, link type, interface, lane, reserved
_DNS_FIXED = struct.Struct("<QIBBHHHHH16s16s")
_STATS_FIXED = struct.Struct("<QIHBB")      # time, pid, lane, kind, stage name length
_PROVENANCE_FIXED = struct.Struct("<QI")    # start time, pid
_U64 = struct.Struct("<Q")

_HEADER_MAGIC_U32 = _U32.unpack(MAGIC[:4])[0]        # 0x524D4489
_LZ4_MAGIC_U32 = _U32.unpack(LZ4_FRAME_MAGIC)[0]      # 0x184D2204

#: Leading bytes of formats a stage may be handed by mistake, with a hint.
_FOREIGN_FORMATS: Tuple[Tuple[bytes, str, str], ...] = (
    (b"\xd4\xc3\xb2\xa1", "pcap", "read it with dm-capture --input FILE"),
    (b"\xa1\xb2\xc3\xd4", "pcap", "read it with dm-capture --input FILE"),
    (b"\x4d\x3c\xb2\xa1", "pcap (nanosecond)", "read it with dm-capture --input FILE"),
    (b"\xa1\xb2\x3c\x4d", "pcap (nanosecond)", "read it with dm-capture --input FILE"),
    (b"\x0a\x0d\x0d\x0a", "pcapng", "read it with dm-capture --input FILE"),
    (b"\x1f\x8b", "gzip", "decompress it first with gzip -dc"),
    (b"\x28\xb5\x2f\xfd", "zstd", "decompress it first with zstd -dc"),
    (b"\xfd\x37\x7a\x58", "xz", "decompress it first with xz -dc"),
    (b"\x42\x5a\x68", "bzip2", "decompress it first with bzip2 -dc"),
)


class FormatError(ValueError):
    """The input is not a valid DMRecord stream, or a body cannot be decoded.

    ``offset`` is the byte offset in the input where the problem starts (None
    for errors found while decoding a record body on its own).
    """

    def __init__(self, message: str, offset: Optional[int] = None):
        super().__init__(message)
        self.offset = offset


def _hex(data: bytes) -> str:
    """Format bytes as space-separated upper-case hex, e.g. ``89 44 4D``."""
    return " ".join(f"{b:02X}" for b in data)


def _foreign_format(data: bytes) -> Optional[Tuple[str, str]]:
    """Return (name, hint) if ``data`` starts like a known non-DMRecord format."""
    for prefix, name, hint in _FOREIGN_FORMATS:
        if data.startswith(prefix):
            return name, hint
    return None


def _lz4_error(offset: int) -> FormatError:
    return FormatError(
        f"LZ4 frame at offset {offset}: this reader cannot decompress LZ4 "
        f"(not in the Python standard library); pipe the input through 'lz4 -dc' first",
        offset)


# --------------------------------------------------------------------------
# Items yielded by the Reader
# --------------------------------------------------------------------------

class Entry(NamedTuple):
    """One header entry: ``(tag, flags, value)``."""

    tag: int
    flags: int
    value: bytes


@dataclass
class Header:
    """A stream header: starts a section of the stream.

    ``entries`` is the list of :class:`Entry` in stream order, ``raw`` the
    exact header bytes and ``offset`` where it starts in the input.
    """

    version: int
    flags: int
    entries: List[Entry]
    raw: bytes = b""
    offset: int = 0

    def values(self, tag: int) -> List[bytes]:
        """Return the values of all entries with ``tag``, in order."""
        return [e.value for e in self.entries if e.tag == tag]

    def provenance(self) -> List["Provenance"]:
        """Return every PROVENANCE entry decoded, first stage first."""
        return [parse_provenance(v) for v in self.values(TAG_PROVENANCE)]


class Record:
    """One record as read from a stream.

    ``raw`` is the whole record including its 4-byte length prefix, so it can
    be forwarded byte-for-byte with :meth:`Writer.write_raw`; ``body`` is the
    part after type and flags (a copy of ``raw[8:]``, made on first access).
    """

    __slots__ = ("type", "flags", "raw", "offset", "_body")

    def __init__(self, type: int, flags: int, raw: bytes, offset: int = 0):
        self.type = type
        self.flags = flags
        self.raw = raw
        self.offset = offset
        self._body: Optional[bytes] = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self.raw[8:]
        return self._body

    def decode(self) -> Union["PacketRecord", "DNSRecord", "StatsRecord", None]:
        """Decode the body of a known type; return None for other types."""
        cls = _DECODERS.get(self.type)
        return cls.from_body(self.flags, self.body) if cls else None

    def __repr__(self) -> str:
        return (f"Record(type={self.type}, flags={self.flags:#06x}, "
                f"body_len={len(self.raw) - 8}, offset={self.offset})")


# --------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------

class Reader:
    """Iterate over the headers and records of a binary DMRecord stream.

    ``Reader(f)`` yields :class:`Header` and :class:`Record` objects in stream
    order.  A header that appears mid-stream (concatenated streams) is yielded
    like the first one and becomes :attr:`header`.  Any violation of the
    format raises :class:`FormatError` naming the byte offset.

    ``fileobj`` is read in chunks of up to ``chunk_size`` bytes; if it has a
    ``read1`` method (``sys.stdin.buffer`` does) that is used, so live data is
    processed as soon as it arrives instead of waiting for a full chunk.
    ``before_read``, if given, is called just before every read of the input
    -- pass a :meth:`Writer.flush` so output is not held back while the stage
    waits for input (spec section 7).
    """

    def __init__(self, fileobj: BinaryIO, chunk_size: int = 1 << 20,
                 before_read: Optional[Callable[[], None]] = None):
        self._read = getattr(fileobj, "read1", None) or fileobj.read
        self._chunk_size = max(1, chunk_size)
        self._before_read = before_read
        self._buf = b""          # unread input starts at self._buf[self._pos]
        self._pos = 0
        self._base = 0           # input offset of self._buf[0]
        self._eof = False
        #: The header of the current section (None before the first one).
        self.header: Optional[Header] = None

    # -- buffer management -------------------------------------------------

    @property
    def offset(self) -> int:
        """Input offset of the next unread byte."""
        return self._base + self._pos

    def _available(self) -> int:
        return len(self._buf) - self._pos

    def _fill(self, n: int) -> bool:
        """Make ``n`` unread bytes available; return False if input ends first.

        Reads are appended as a list and joined once, and consumed bytes are
        dropped at the same time, so each input byte is copied O(1) times.
        """
        have = self._available()
        if have >= n:
            return True
        if self._eof:
            return False
        parts = [self._buf[self._pos:]]
        while have < n:
            if self._before_read is not None:
                self._before_read()
            chunk = self._read(max(self._chunk_size, n - have))
            if not chunk:
                self._eof = True
                break
            parts.append(bytes(chunk))
            have += len(chunk)
        self._base += self._pos
        self._buf = b"".join(parts)
        self._pos = 0
        return have >= n

    # -- iteration ---------------------------------------------------------

    def __iter__(self) -> Iterator[Union[Header, Record]]:
        return self

    def __next__(self) -> Union[Header, Record]:
        item = self._next_item()
        if item is None:
            raise StopIteration
        return item

    def _next_item(self) -> Union[Header, Record, None]:
        """Read one header or record at the current record boundary."""
        if self.header is None:
            self._check_stream_start()
        if not self._fill(4):
            left = self._available()
            if left == 0:
                return None
            if MAGIC.startswith(self._buf[self._pos:]):
                raise FormatError(
                    f"truncated header at offset {self.offset}: a stream header needs "
                    f"{HEADER_SIZE} bytes, stream ends after {left}", self.offset)
            raise FormatError(
                f"truncated record at offset {self.offset}: stream ends after {left} "
                f"of the 4 bytes of the length field", self.offset)
        (length,) = _U32.unpack_from(self._buf, self._pos)
        if length == _HEADER_MAGIC_U32:
            return self._read_header()
        if length == _LZ4_MAGIC_U32:
            raise _lz4_error(self.offset)
        return self._read_record(length)

    def _check_stream_start(self) -> None:
        """Before the first header: accept only a header; name foreign formats."""
        self._fill(len(MAGIC))
        head = self._buf[self._pos:self._pos + len(MAGIC)]
        offset = self.offset
        if not head or MAGIC.startswith(head[:4]):
            return      # empty input, or a (possibly truncated) header
        if head.startswith(LZ4_FRAME_MAGIC):
            raise _lz4_error(offset)
        foreign = _foreign_format(head)
        if foreign is not None:
            name, hint = foreign
            raise FormatError(
                f"input at offset {offset} is {name} data, not a DMRecord stream; {hint}",
                offset)
        raise FormatError(
            f"record before any stream header at offset {offset}: a DMRecord stream must "
            f"start with the magic {_hex(MAGIC)}, found {_hex(head)}", offset)

    def _read_header(self) -> Header:
        """Read a stream header at the current position (magic already seen)."""
        start = self.offset
        self._fill(len(MAGIC))
        magic = self._buf[self._pos:self._pos + len(MAGIC)]
        if len(magic) == len(MAGIC) and magic != MAGIC:
            raise FormatError(
                f"damaged stream header magic at offset {start}: expected {_hex(MAGIC)}, "
                f"found {_hex(magic)} (were line endings rewritten by a text-mode transfer?)",
                start)
        if not self._fill(HEADER_SIZE):
            raise FormatError(
                f"truncated header at offset {start}: a stream header needs {HEADER_SIZE} "
                f"bytes, stream ends after {self._available()}", start)
        _magic, version, flags, entries_len = _HEADER_FIXED.unpack_from(self._buf, self._pos)
        if version != FORMAT_VERSION:
            raise FormatError(
                f"unsupported format version {version} in the stream header at offset "
                f"{start} (this reader supports version {FORMAT_VERSION})", start)
        if entries_len > MAX_ENTRIES_LENGTH:
            raise FormatError(
                f"header entries length {entries_len} at offset {start} exceeds the "
                f"maximum {MAX_ENTRIES_LENGTH}", start)
        if not self._fill(HEADER_SIZE + entries_len):
            raise FormatError(
                f"truncated header at offset {start}: entries length says {entries_len} "
                f"bytes, stream ends after {self._available() - HEADER_SIZE}", start)
        p = self._pos
        entries = _parse_entries(self._buf, p + HEADER_SIZE, entries_len, start + HEADER_SIZE)
        raw = self._buf[p:p + HEADER_SIZE + entries_len]
        self._pos = p + HEADER_SIZE + entries_len
        self.header = Header(version, flags, entries, raw, start)
        return self.header

    def _read_record(self, length: int) -> Record:
        """Read a record whose length field ``length`` is at the current position."""
        start = self.offset
        if length > MAX_RECORD_LENGTH:
            foreign = _foreign_format(self._buf[self._pos:self._pos + 4])
            note = f" (the bytes look like {foreign[0]} data)" if foreign else ""
            raise FormatError(
                f"record length {length} at offset {start} exceeds the maximum "
                f"{MAX_RECORD_LENGTH}{note}", start)
        if length < 4:
            raise FormatError(
                f"record length {length} at offset {start} is below the minimum 4", start)
        if not self._fill(4 + length):
            raise FormatError(
                f"truncated record at offset {start}: length field says {length} bytes, "
                f"stream ends after {self._available() - 4}", start)
        p = self._pos
        rtype, flags = _TYPE_FLAGS.unpack_from(self._buf, p + 4)
        if rtype == 0:
            raise FormatError(f"record type 0 at offset {start} (type 0 is never valid)", start)
        raw = self._buf[p:p + 4 + length]
        self._pos = p + 4 + length
        return Record(rtype, flags, raw, start)


def _parse_entries(buf: bytes, begin: int, size: int, offset: int) -> List[Entry]:
    """Parse ``size`` bytes of header entries starting at ``buf[begin]``.

    ``offset`` is the input offset of ``buf[begin]``, used in error messages.
    """
    entries: List[Entry] = []
    p, end = begin, begin + size
    while p < end:
        at = offset + (p - begin)
        if end - p < 8:
            raise FormatError(
                f"header entry at offset {at}: only {end - p} bytes left in the entries, "
                f"an entry needs at least 8", at)
        length, tag, flags = _RECORD_HEAD.unpack_from(buf, p)
        if length < 4:
            raise FormatError(
                f"header entry length {length} at offset {at} is below the minimum 4", at)
        if 4 + length > end - p:
            raise FormatError(
                f"header entry at offset {at}: length {length} runs past the end of the "
                f"header entries", at)
        entries.append(Entry(tag, flags, buf[p + 8:p + 4 + length]))
        p += 4 + length
    return entries


# --------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------

class Writer:
    """Write a DMRecord stream to a binary file object, buffered.

    The buffer is written out when it reaches ``buffer_size`` bytes, when a
    record is added more than ``max_delay`` seconds after the oldest buffered
    one, and on :meth:`flush`.  Call :meth:`flush` before waiting for input
    (see the ``before_read`` argument of :class:`Reader`) and at the end.
    A header must be written before the first record.
    """

    def __init__(self, fileobj: BinaryIO, buffer_size: int = 1 << 20, max_delay: float = 0.1):
        self._file = fileobj
        self._buffer_size = buffer_size
        self._max_delay = max_delay
        self._parts: List[bytes] = []
        self._size = 0
        self._oldest = 0.0
        self._have_header = False

    def write_header(self, entries: Iterable[Sequence]) -> None:
        """Start a section: write a header holding ``entries``.

        Each entry is a ``(tag, flags, value)`` tuple, e.g. an :class:`Entry`.
        """
        encoded = []
        for tag, flags, value in entries:
            _check_u16("entry tag", tag)
            _check_u16("entry flags", flags)
            encoded.append(_RECORD_HEAD.pack(len(value) + 4, tag, flags))
            encoded.append(bytes(value))
        body = b"".join(encoded)
        if len(body) > MAX_ENTRIES_LENGTH:
            raise ValueError(f"header entries take {len(body)} bytes, more than the "
                             f"maximum {MAX_ENTRIES_LENGTH}")
        self._append(_HEADER_FIXED.pack(MAGIC, FORMAT_VERSION, 0, len(body)), body)
        self._have_header = True

    def write_record(self, type: int, flags: int, body: bytes) -> None:
        """Write one record of ``type`` with ``flags`` and ``body``."""
        if not 1 <= type <= 0xFFFF:
            raise ValueError(f"record type {type} is not in 1..65535")
        _check_u16("record flags", flags)
        length = len(body) + 4
        if length > MAX_RECORD_LENGTH:
            raise ValueError(f"record length {length} exceeds the maximum {MAX_RECORD_LENGTH}")
        self._require_header()
        self._append(_RECORD_HEAD.pack(length, type, flags), bytes(body))

    def write_raw(self, raw: bytes) -> None:
        """Write one complete record (length prefix included) unchanged."""
        if len(raw) < 8:
            raise ValueError("a raw record is at least 8 bytes")
        length, rtype, _flags = _RECORD_HEAD.unpack_from(raw, 0)
        if length != len(raw) - 4 or length > MAX_RECORD_LENGTH or rtype == 0:
            raise ValueError("raw bytes are not exactly one valid record")
        self._require_header()
        self._append(bytes(raw))

    def flush(self) -> None:
        """Write everything buffered to the file object and flush it."""
        if self._parts:
            data = b"".join(self._parts)
            self._parts.clear()
            self._size = 0
            self._write_all(data)
        flush = getattr(self._file, "flush", None)
        if flush is not None:
            flush()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.flush()

    def _require_header(self) -> None:
        if not self._have_header:
            raise ValueError("write_header() must be called before the first record")

    def _append(self, *parts: bytes) -> None:
        now = time.monotonic()
        if not self._parts:
            self._oldest = now
        for part in parts:
            self._parts.append(part)
            self._size += len(part)
        if self._size >= self._buffer_size or now - self._oldest >= self._max_delay:
            self.flush()

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = self._file.write(view)
            if n is None or n >= len(view):
                break
            view = view[n:]


def _check_u16(what: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{what} {value} is not in 0..65535")


# --------------------------------------------------------------------------
# PROVENANCE entries
# --------------------------------------------------------------------------

class Provenance(NamedTuple):
    """A decoded PROVENANCE entry."""

    start_ns: int
    pid: int
    tool: str
    version: str
    argv: List[str]


def provenance_entry(tool: str, version: str, argv: Sequence[str],
                     start_ns: Optional[int] = None, pid: Optional[int] = None) -> bytes:
    """Build the value of a PROVENANCE header entry for this process.

    ``argv`` is the full command line, ``argv[0]`` first.  ``start_ns``
    defaults to now and ``pid`` to :func:`os.getpid`.  Strings are encoded as
    UTF-8; arguments Python could not decode are written back as the original
    bytes (``surrogateescape``).
    """
    if start_ns is None:
        start_ns = time.time_ns()
    if pid is None:
        pid = os.getpid()
    strings = [tool, version, *argv]
    out = [_PROVENANCE_FIXED.pack(start_ns, pid)]
    for s in strings:
        data = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else bytes(s)
        if b"\0" in data:
            raise ValueError(f"PROVENANCE string {s!r} contains a NUL byte")
        out.append(data + b"\0")
    return b"".join(out)


def parse_provenance(value: bytes) -> Provenance:
    """Decode the value of a PROVENANCE header entry."""
    if len(value) < _PROVENANCE_FIXED.size:
        raise FormatError(f"PROVENANCE value is {len(value)} bytes, at least 12 needed")
    start_ns, pid = _PROVENANCE_FIXED.unpack_from(value, 0)
    rest = bytes(value[_PROVENANCE_FIXED.size:])
    if rest and not rest.endswith(b"\0"):
        raise FormatError("PROVENANCE strings are not NUL-terminated")
    strings = [s.decode("utf-8", "surrogateescape") for s in rest.split(b"\0")[:-1]]
    if len(strings) < 2:
        raise FormatError("PROVENANCE value lacks the tool name or tool version")
    return Provenance(start_ns, pid, strings[0], strings[1], strings[2:])


# --------------------------------------------------------------------------
# Record bodies
# --------------------------------------------------------------------------

@dataclass
class PacketRecord:
    """Body of a PACKET record (type 1): one captured link-layer frame."""

    time_ns: int
    orig_len: int
    link_type: int
    interface: int
    lane: int
    data: bytes
    flags: int = 0

    type = PACKET

    @classmethod
    def from_body(cls, flags: int, body: bytes) -> "PacketRecord":
        if len(body) < _PACKET_FIXED.size:
            raise FormatError(f"PACKET body is {len(body)} bytes, at least 20 needed")
        time_ns, orig_len, link_type, interface, lane, _reserved = \
            _PACKET_FIXED.unpack_from(body, 0)
        return cls(time_ns, orig_len, link_type, interface, lane,
                   bytes(body[_PACKET_FIXED.size:]), flags)

    def to_body(self) -> bytes:
        if len(self.data) > self.orig_len:
            raise ValueError(f"captured length {len(self.data)} exceeds the original "
                             f"length {self.orig_len}")
        return _PACKET_FIXED.pack(self.time_ns, self.orig_len, self.link_type,
                                  self.interface, self.lane, 0) + bytes(self.data)


IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


@dataclass
class DNSRecord:
    """Body of a DNS record (type 2): one DNS message with transport metadata.

    ``src``/``dst`` are :mod:`ipaddress` objects of version ``ip_version``;
    ``wire`` is the DNS message (RFC 1035 wire format, no TCP length prefix);
    ``identity`` and ``version`` name the server that logged it (dnstap), empty when unknown;
    ``flags`` are the record flags (:data:`DNS_FLAG_MALFORMED`).
    """

    time_ns: int
    packet_length: int
    ip_version: int
    transport: int
    sport: int
    dport: int
    src: IPAddress
    dst: IPAddress
    wire: bytes
    identity: str = ""
    match_flags: int = 0
    flags: int = 0
    version: str = ""

    type = DNS

    @property
    def malformed(self) -> bool:
        return bool(self.flags & DNS_FLAG_MALFORMED)

    @classmethod
    def from_body(cls, flags: int, body: bytes) -> "DNSRecord":
        if len(body) < _DNS_FIXED.size:
            raise FormatError(f"DNS body is {len(body)} bytes, at least 56 needed")
        (time_ns, packet_length, ip_version, transport, sport, dport, match_flags,
         ident_len, version_len, src, dst) = _DNS_FIXED.unpack_from(body, 0)
        version_start = _DNS_FIXED.size + ident_len
        end = version_start + version_len
        if end > len(body):
            raise FormatError(f"DNS identity length {ident_len} and version length {version_len} "
                              f"run past the end of the {len(body)}-byte body")
        identity = bytes(body[_DNS_FIXED.size:version_start]).decode("utf-8", "surrogateescape")
        version = bytes(body[version_start:end]).decode("utf-8", "surrogateescape")
        return cls(time_ns, packet_length, ip_version, transport, sport, dport,
                   _decode_address(ip_version, src), _decode_address(ip_version, dst),
                   bytes(body[end:]), identity, match_flags, flags, version)

    def to_body(self) -> bytes:
        for name, addr in (("source", self.src), ("destination", self.dst)):
            if addr.version != self.ip_version:
                raise ValueError(f"{name} address {addr} is not IPv{self.ip_version}")
        identity = self.identity.encode("utf-8", "surrogateescape")
        version = self.version.encode("utf-8", "surrogateescape")
        if len(identity) > 0xFFFF or len(version) > 0xFFFF:
            raise ValueError("identity and version are at most 65535 bytes each")
        if len(self.wire) > 0xFFFF:
            raise ValueError("a DNS message is at most 65535 bytes")
        return b"".join((
            _DNS_FIXED.pack(self.time_ns, self.packet_length, self.ip_version, self.transport,
                            self.sport, self.dport, self.match_flags, len(identity), len(version),
                            _encode_address(self.src), _encode_address(self.dst)),
            identity, version, bytes(self.wire)))


def _decode_address(ip_version: int, data: bytes) -> IPAddress:
    if ip_version == 4:
        return ipaddress.IPv4Address(data[:4])
    if ip_version == 6:
        return ipaddress.IPv6Address(data)
    raise FormatError(f"DNS record IP version {ip_version} is neither 4 nor 6")


def _encode_address(addr: IPAddress) -> bytes:
    return addr.packed + bytes(12) if addr.version == 4 else addr.packed


def dns_message(body: bytes) -> bytes:
    """Return the DNS wire message of a DNS record body without decoding the rest."""
    if len(body) < _DNS_FIXED.size:
        raise FormatError(f"DNS body is {len(body)} bytes, at least 56 needed")
    ident_len, version_len = struct.unpack_from("<HH", body, 20)
    start = _DNS_FIXED.size + ident_len + version_len
    if start > len(body):
        raise FormatError(f"DNS identity length {ident_len} and version length {version_len} "
                          "run past the end of the body")
    return bytes(body[start:])


@dataclass
class StatsRecord:
    """Body of a STATS record (type 3): the counters of one stage.

    ``counters`` is an ordered list of ``(name, value)``; values are totals
    since the stage started.
    """

    time_ns: int
    pid: int
    lane: int
    kind: int
    stage: str
    counters: List[Tuple[str, int]]
    flags: int = 0

    type = STATS

    def counter(self, name: str) -> Optional[int]:
        """Return the value of counter ``name`` (the last one if repeated)."""
        found = None
        for n, v in self.counters:
            if n == name:
                found = v
        return found

    @classmethod
    def from_body(cls, flags: int, body: bytes) -> "StatsRecord":
        size = len(body)
        if size < _STATS_FIXED.size:
            raise FormatError(f"STATS body is {size} bytes, at least 16 needed")
        time_ns, pid, lane, kind, name_len = _STATS_FIXED.unpack_from(body, 0)
        p = _STATS_FIXED.size
        if name_len == 0 or p + name_len > size:
            raise FormatError(f"STATS stage name length {name_len} is invalid")
        stage = _ascii(body[p:p + name_len], "stage name")
        p += name_len
        counters = []
        while p < size:
            n = body[p]
            if n == 0 or p + 1 + n + 8 > size:
                raise FormatError(f"STATS counter at body offset {p} is truncated or empty")
            name = _ascii(body[p + 1:p + 1 + n], "counter name")
            (value,) = _U64.unpack_from(body, p + 1 + n)
            counters.append((name, value))
            p += 1 + n + 8
        return cls(time_ns, pid, lane, kind, stage, counters, flags)

    def to_body(self) -> bytes:
        stage = self.stage.encode("ascii")
        if not 1 <= len(stage) <= 255:
            raise ValueError("STATS stage name must be 1..255 ASCII bytes")
        out = [_STATS_FIXED.pack(self.time_ns, self.pid, self.lane, self.kind, len(stage)), stage]
        for name, value in self.counters:
            raw_name = name.encode("ascii")
            if not 1 <= len(raw_name) <= 255:
                raise ValueError(f"STATS counter name {name!r} must be 1..255 ASCII bytes")
            out += [bytes((len(raw_name),)), raw_name, _U64.pack(value)]
        return b"".join(out)


def _ascii(data: bytes, what: str) -> str:
    try:
        return bytes(data).decode("ascii")
    except UnicodeDecodeError:
        raise FormatError(f"STATS {what} is not ASCII") from None


_DECODERS = {PACKET: PacketRecord, DNS: DNSRecord, STATS: StatsRecord}


# --------------------------------------------------------------------------
# DNS question name
# --------------------------------------------------------------------------

#: Maximum number of compression pointers followed in one name.
MAX_POINTER_JUMPS = 64
#: Maximum length of a domain name in wire form (RFC 1035 section 2.3.4).
MAX_NAME_LENGTH = 255
_DNS_HEADER_SIZE = 12
# Bytes that appear unescaped in a presentation-format label.
_PLAIN_LABEL_BYTES = bytes(b for b in range(0x21, 0x7F) if b not in b".\\")


def first_qname_labels(wire: bytes) -> Optional[List[bytes]]:
    """Return the labels of the first question name, ASCII-lowercased.

    Returns ``[]`` for the root name and None when the message has no
    question or the name is malformed (runs past the end, bad label type,
    pointer out of bounds, too many pointers, longer than 255 bytes, or no
    room for the question's type and class).
    """
    wire = bytes(wire)
    size = len(wire)
    if size < _DNS_HEADER_SIZE or (wire[4] << 8 | wire[5]) == 0:
        return None
    labels: List[bytes] = []
    pos = _DNS_HEADER_SIZE
    name_end = None          # where the name ends in the question itself
    name_len = 1             # wire length, counting the final root byte
    jumps = 0
    while True:
        if pos >= size:
            return None
        length = wire[pos]
        if length == 0:
            if name_end is None:
                name_end = pos + 1
            break
        if length & 0xC0 == 0xC0:            # compression pointer
            if pos + 1 >= size:
                return None
            jumps += 1
            if jumps > MAX_POINTER_JUMPS:
                return None
            if name_end is None:
                name_end = pos + 2
            pos = (length & 0x3F) << 8 | wire[pos + 1]
            continue
        if length & 0xC0:                    # 0x40 / 0x80: reserved label types
            return None
        if pos + 1 + length > size:
            return None
        name_len += 1 + length
        if name_len > MAX_NAME_LENGTH:
            return None
        labels.append(wire[pos + 1:pos + 1 + length].lower())
        pos += 1 + length
    if name_end + 4 > size:                  # QTYPE and QCLASS must follow
        return None
    return labels


def first_qname(wire: bytes) -> Optional[str]:
    """Return the first question name as ``"www.example.com."`` (root: ``"."``).

    The name is lowercased (ASCII only, as DNS compares names); bytes that
    are not printable ASCII, and ``.`` or ``\\`` inside a label, are escaped
    as in zone files (``\\.``, ``\\\\``, ``\\DDD``).  Returns None if there is
    no question or it is malformed (see :func:`first_qname_labels`).
    """
    labels = first_qname_labels(wire)
    if labels is None:
        return None
    if not labels:
        return "."
    return "".join(_label_text(label) + "." for label in labels)


def _label_text(label: bytes) -> str:
    """Render one label in presentation format."""
    if not label.translate(None, _PLAIN_LABEL_BYTES):
        return label.decode("ascii")
    out = []
    for b in label:
        if b in b".\\":
            out.append("\\" + chr(b))
        elif 0x21 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return "".join(out)
