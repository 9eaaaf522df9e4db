// Splits a watch stream into its JSON lines, decoding UTF-8 across chunk boundaries.
import { StringDecoder } from "node:string_decoder";

/**
 * A multi-byte character may be split between two chunks: decoding each chunk on its own would
 * turn both halves into U+FFFD. The decoder holds the incomplete bytes until the rest arrives.
 */
export class JsonLines {
  private readonly decoder = new StringDecoder("utf8");
  private buffered = "";

  /** The complete, non-empty lines the chunk finishes, in order. */
  push(chunk: Buffer): string[] {
    this.buffered += this.decoder.write(chunk);
    const lines: string[] = [];
    let newline: number;
    while ((newline = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, newline).trim();
      this.buffered = this.buffered.slice(newline + 1);
      if (line !== "") lines.push(line);
    }
    return lines;
  }

  /** What is left when the stream ends: a last line without a newline, if any. */
  end(): string[] {
    const rest = (this.buffered + this.decoder.end()).trim();
    this.buffered = "";
    return rest === "" ? [] : [rest];
  }
}
