// `puck completion bash|zsh|fish`: shell completion scripts for commands, flags and Sprite names.
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";

/** What completion needs of a command (command-table.ts hands in its entries). */
export interface Completable {
  name: string;
  /** What its first argument completes to. */
  completes?: "sprite" | "shell";
}

const SHELLS = ["bash", "zsh", "fish"];
// Sprite names come from `puck list -o name` only when the shell asks, so completion stays instant.
const NAMES = "puck list -o name 2>/dev/null";
const GLOBAL_FLAGS = "--kubeconfig --context --namespace -n --help --version";

export function completionScript(shell: string, table: readonly Completable[]): string | undefined {
  const commands = table.map((c) => c.name).join(" ");
  const completing = (kind: Completable["completes"]) => table.filter((c) => c.completes === kind).map((c) => c.name);
  const [ofSprite, ofShell] = [completing("sprite"), completing("shell")];
  const shells = SHELLS.join(" ");
  switch (shell) {
    case "bash":
      return `# puck bash completion: source <(puck completion bash)
_puck() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "${commands}" -- "$cur")); return; fi
  case "$cur" in -*) COMPREPLY=($(compgen -W "${GLOBAL_FLAGS} $(puck "$cmd" --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur")); return;; esac
  case "$cmd" in
    ${ofShell.join("|")}) COMPREPLY=($(compgen -W "${shells}" -- "$cur"));;
    ${ofSprite.join("|")}) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur"));;
  esac
}
complete -F _puck puck
`;
    case "zsh":
      return `#compdef puck
# puck zsh completion: source <(puck completion zsh)
_puck() {
  if (( CURRENT == 2 )); then compadd ${commands}; return; fi
  case "$words[2]" in
    ${ofShell.join("|")}) compadd ${shells};;
    ${ofSprite.join("|")}) (( CURRENT == 3 )) && compadd $(${NAMES});;
  esac
}
compdef _puck puck
`;
    case "fish":
      return `# puck fish completion: puck completion fish > ~/.config/fish/completions/puck.fish
complete -c puck -f
complete -c puck -n __fish_use_subcommand -a "${commands}"
complete -c puck -n "__fish_seen_subcommand_from ${ofShell.join(" ")}" -a "${shells}"
complete -c puck -n "__fish_seen_subcommand_from ${ofSprite.join(" ")}" -a "(${NAMES})"
complete -c puck -l kubeconfig -r
complete -c puck -l context -x
complete -c puck -s n -l namespace -x
`;
    default:
      return undefined;
  }
}

/** The command, for the commands of this table. */
export const completion =
  (table: readonly Completable[]) =>
  async ([shell]: string[], _options: unknown, io: Io): Promise<number> => {
    const script = completionScript(shell ?? "", table);
    if (!script) throw new PuckError(`no completion for shell "${shell}"`, "use bash, zsh or fish", EXIT.usage);
    createOutput(io).text(script);
    return 0;
  };
