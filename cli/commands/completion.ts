// `puck completion bash|zsh|fish`: shell completion scripts for commands, flags and Sprite names.
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { COMMANDS } from "../program.js";

// Sprite names come from `puck list -o name` only when the shell asks, so completion stays instant.
const NAMES = "puck list -o name 2>/dev/null";
const GLOBAL_FLAGS = "--kubeconfig --context --namespace -n --help --version";

export function completionScript(shell: string): string | undefined {
  const commands = COMMANDS.join(" ");
  switch (shell) {
    case "bash":
      return `# puck bash completion: source <(puck completion bash)
_puck() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "${commands}" -- "$cur")); return; fi
  case "$cur" in -*) COMPREPLY=($(compgen -W "${GLOBAL_FLAGS} $(puck "$cmd" --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur")); return;; esac
  case "$cmd" in
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"));;
    connect|wake|hibernate|keepawake|describe|delete) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur"));;
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
    completion) compadd bash zsh fish;;
    connect|wake|hibernate|keepawake|describe|delete) (( CURRENT == 3 )) && compadd $(${NAMES});;
  esac
}
compdef _puck puck
`;
    case "fish":
      return `# puck fish completion: puck completion fish > ~/.config/fish/completions/puck.fish
complete -c puck -f
complete -c puck -n __fish_use_subcommand -a "${commands}"
complete -c puck -n "__fish_seen_subcommand_from completion" -a "bash zsh fish"
complete -c puck -n "__fish_seen_subcommand_from connect wake hibernate keepawake describe delete" -a "(${NAMES})"
complete -c puck -l kubeconfig -r
complete -c puck -l context -x
complete -c puck -s n -l namespace -x
`;
    default:
      return undefined;
  }
}

export async function completion([shell]: string[], _options: Record<string, unknown>, io: Io): Promise<number> {
  const script = completionScript(shell ?? "");
  if (!script) throw new PuckError(`no completion for shell "${shell}"`, "use bash, zsh or fish", EXIT.usage);
  io.stdout.write(script);
  return 0;
}
