// An ad-hoc code signature for a thin 64-bit Mach-O executable, written here because no signing tool
// runs on this Linux machine without building one. macOS on Apple silicon runs no unsigned code; an
// ad-hoc signature (no identity) is enough for a binary that was not downloaded by a browser.
//
// The signature is the one Go's linker writes into every darwin binary it links (cmd/internal/codesign,
// linker-signed ad hoc): a SuperBlob holding one CodeDirectory, version 0x20400, SHA-256 of each 4 KiB
// page of the file up to the signature, flags adhoc | linker-signed, the __TEXT segment as the
// executable segment. It is appended at the end of __LINKEDIT, and an LC_CODE_SIGNATURE command
// names it. The input must carry no signature (remove it first: macho-unsign).
import { createHash } from "node:crypto";

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const HEADER_SIZE = 32;
const PAGE_SIZE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_SIZE_BITS;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSSLOT_CODEDIRECTORY = 0;
const CS_HASHTYPE_SHA256 = 2;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const SUPER_BLOB_SIZE = 12;
const BLOB_INDEX_SIZE = 8;
const CODE_DIRECTORY_SIZE = 88;
const HASH_SIZE = 32;
/** The virtual memory page of arm64 macOS: segment sizes in memory are its multiples. */
const VM_PAGE = 0x4000;

const align = (n: number, to: number) => Math.ceil(n / to) * to;

interface Segment {
  name: string;
  /** Offset of its load command in the file. */
  at: number;
  fileoff: number;
  filesize: number;
  vmsize: number;
}

interface MachO {
  ncmds: number;
  sizeofcmds: number;
  segments: Segment[];
  codeSignature?: { at: number; dataoff: number; datasize: number };
  /** Lowest file offset of any section's data: load commands must end before it. */
  firstSectionOffset: number;
}

function parse(file: Buffer): MachO {
  if (file.readUInt32LE(0) !== MH_MAGIC_64) throw new Error("macho-sign: not a thin 64-bit little-endian Mach-O file");
  const ncmds = file.readUInt32LE(16);
  const sizeofcmds = file.readUInt32LE(20);
  const segments: Segment[] = [];
  let codeSignature: MachO["codeSignature"];
  let firstSectionOffset = Number.MAX_SAFE_INTEGER;
  let at = HEADER_SIZE;
  for (let i = 0; i < ncmds; i++) {
    const cmd = file.readUInt32LE(at);
    const cmdsize = file.readUInt32LE(at + 4);
    if (cmd === LC_SEGMENT_64) {
      const name = file.toString("latin1", at + 8, at + 24).replace(/\0+$/, "");
      const vmsize = Number(file.readBigUInt64LE(at + 32));
      const fileoff = Number(file.readBigUInt64LE(at + 40));
      const filesize = Number(file.readBigUInt64LE(at + 48));
      const nsects = file.readUInt32LE(at + 64);
      for (let s = 0; s < nsects; s++) {
        const section = at + 72 + s * 80;
        const offset = file.readUInt32LE(section + 48);
        const flags = file.readUInt32LE(section + 64);
        const zerofill = (flags & 0xff) === 0x1 || (flags & 0xff) === 0xc || (flags & 0xff) === 0x12;
        if (offset > 0 && !zerofill) firstSectionOffset = Math.min(firstSectionOffset, offset);
      }
      segments.push({ name, at, fileoff, filesize, vmsize });
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSignature = { at, dataoff: file.readUInt32LE(at + 8), datasize: file.readUInt32LE(at + 12) };
    }
    at += cmdsize;
  }
  if (at !== HEADER_SIZE + sizeofcmds) throw new Error("macho-sign: load commands do not add up to sizeofcmds");
  return { ncmds, sizeofcmds, segments, ...(codeSignature ? { codeSignature } : {}), firstSectionOffset };
}

/** The signature's size for CODE_LIMIT bytes of code and identifier ID. */
function signatureSize(codeLimit: number, id: string): number {
  const pages = Math.ceil(codeLimit / PAGE_SIZE);
  return SUPER_BLOB_SIZE + BLOB_INDEX_SIZE + CODE_DIRECTORY_SIZE + Buffer.byteLength(id) + 1 + pages * HASH_SIZE;
}

/** Returns FILE signed ad hoc with identifier ID (a new buffer). FILE must be unsigned. */
export function adhocSign(file: Buffer, id: string): Buffer {
  const macho = parse(file);
  if (macho.codeSignature) throw new Error("macho-sign: the file is signed already; remove its signature first");
  const linkedit = macho.segments.find((s) => s.name === "__LINKEDIT");
  const text = macho.segments.find((s) => s.name === "__TEXT");
  if (!linkedit || !text) throw new Error("macho-sign: no __LINKEDIT or __TEXT segment");
  if (linkedit.fileoff + linkedit.filesize !== file.length) throw new Error("macho-sign: __LINKEDIT does not end the file");
  if (macho.segments.some((s) => s !== linkedit && s.fileoff > linkedit.fileoff)) throw new Error("macho-sign: __LINKEDIT is not the last segment");
  const commandsEnd = HEADER_SIZE + macho.sizeofcmds;
  if (commandsEnd + 16 > macho.firstSectionOffset) throw new Error("macho-sign: no room for LC_CODE_SIGNATURE after the load commands");
  if (file.subarray(commandsEnd, commandsEnd + 16).some((b) => b !== 0)) throw new Error("macho-sign: the bytes after the load commands are in use");

  const codeLimit = align(file.length, 16);
  const size = signatureSize(codeLimit, id);
  const out = Buffer.alloc(codeLimit + size);
  file.copy(out);

  // The header and __LINKEDIT first: the hashes cover them as they will be.
  out.writeUInt32LE(macho.ncmds + 1, 16);
  out.writeUInt32LE(macho.sizeofcmds + 16, 20);
  out.writeUInt32LE(LC_CODE_SIGNATURE, commandsEnd);
  out.writeUInt32LE(16, commandsEnd + 4);
  out.writeUInt32LE(codeLimit, commandsEnd + 8);
  out.writeUInt32LE(size, commandsEnd + 12);
  const linkeditSize = out.length - linkedit.fileoff;
  out.writeBigUInt64LE(BigInt(linkeditSize), linkedit.at + 48);
  out.writeBigUInt64LE(BigInt(Math.max(linkedit.vmsize, align(linkeditSize, VM_PAGE))), linkedit.at + 32);

  const pages = Math.ceil(codeLimit / PAGE_SIZE);
  const idOffset = CODE_DIRECTORY_SIZE;
  const hashOffset = idOffset + Buffer.byteLength(id) + 1;
  let p = codeLimit;
  // SuperBlob and its one index entry (big-endian, as all of a code signature).
  out.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, p);
  out.writeUInt32BE(size, p + 4);
  out.writeUInt32BE(1, p + 8);
  out.writeUInt32BE(CSSLOT_CODEDIRECTORY, p + 12);
  out.writeUInt32BE(SUPER_BLOB_SIZE + BLOB_INDEX_SIZE, p + 16);
  p += SUPER_BLOB_SIZE + BLOB_INDEX_SIZE;
  // CodeDirectory.
  out.writeUInt32BE(CSMAGIC_CODEDIRECTORY, p);
  out.writeUInt32BE(size - SUPER_BLOB_SIZE - BLOB_INDEX_SIZE, p + 4);
  out.writeUInt32BE(0x20400, p + 8);
  out.writeUInt32BE(CS_ADHOC | CS_LINKER_SIGNED, p + 12);
  out.writeUInt32BE(hashOffset, p + 16);
  out.writeUInt32BE(idOffset, p + 20);
  out.writeUInt32BE(0, p + 24); // nSpecialSlots
  out.writeUInt32BE(pages, p + 28);
  out.writeUInt32BE(codeLimit, p + 32);
  out.writeUInt8(HASH_SIZE, p + 36);
  out.writeUInt8(CS_HASHTYPE_SHA256, p + 37);
  out.writeUInt8(0, p + 38); // platform
  out.writeUInt8(PAGE_SIZE_BITS, p + 39);
  // spare2, scatterOffset, teamOffset, spare3 and codeLimit64 stay 0.
  out.writeBigUInt64BE(BigInt(text.fileoff), p + 64);
  out.writeBigUInt64BE(BigInt(text.filesize), p + 72);
  out.writeBigUInt64BE(BigInt(CS_EXECSEG_MAIN_BINARY), p + 80);
  out.write(`${id}\0`, p + idOffset, "latin1");
  for (let page = 0; page < pages; page++) {
    const hash = createHash("sha256").update(out.subarray(page * PAGE_SIZE, Math.min((page + 1) * PAGE_SIZE, codeLimit))).digest();
    hash.copy(out, p + hashOffset + page * HASH_SIZE);
  }
  return out;
}

/** What a signed file's signature says, checked: for tests and the release's own check. */
export function verifyAdhoc(file: Buffer): { id: string; pages: number; codeLimit: number } {
  const macho = parse(file);
  if (!macho.codeSignature) throw new Error("macho-sign: no LC_CODE_SIGNATURE");
  const { dataoff, datasize } = macho.codeSignature;
  if (dataoff + datasize > file.length) throw new Error("macho-sign: the signature runs past the end of the file");
  const linkedit = macho.segments.find((s) => s.name === "__LINKEDIT")!;
  if (linkedit.fileoff + linkedit.filesize < dataoff + datasize) throw new Error("macho-sign: the signature is outside __LINKEDIT");
  if (file.readUInt32BE(dataoff) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new Error("macho-sign: no embedded signature SuperBlob");
  const count = file.readUInt32BE(dataoff + 8);
  for (let i = 0; i < count; i++) {
    if (file.readUInt32BE(dataoff + 12 + i * 8) !== CSSLOT_CODEDIRECTORY) continue;
    const cd = dataoff + file.readUInt32BE(dataoff + 16 + i * 8);
    if (file.readUInt32BE(cd) !== CSMAGIC_CODEDIRECTORY) throw new Error("macho-sign: bad CodeDirectory magic");
    const hashOffset = file.readUInt32BE(cd + 16);
    const idOffset = file.readUInt32BE(cd + 20);
    const pages = file.readUInt32BE(cd + 28);
    const codeLimit = file.readUInt32BE(cd + 32);
    const pageSize = 1 << file.readUInt8(cd + 39);
    if (codeLimit !== dataoff) throw new Error("macho-sign: the code limit is not the signature's offset");
    for (let page = 0; page < pages; page++) {
      const want = file.subarray(cd + hashOffset + page * HASH_SIZE, cd + hashOffset + (page + 1) * HASH_SIZE);
      const got = createHash("sha256").update(file.subarray(page * pageSize, Math.min((page + 1) * pageSize, codeLimit))).digest();
      if (!got.equals(want)) throw new Error(`macho-sign: page ${page} does not match its hash`);
    }
    const id = file.toString("latin1", cd + idOffset, file.indexOf(0, cd + idOffset));
    return { id, pages, codeLimit };
  }
  throw new Error("macho-sign: no CodeDirectory");
}
