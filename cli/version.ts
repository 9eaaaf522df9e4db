// puck's own version: what `puck --version` prints and the skew check compares with the operator's.
// A file of its own, so that a command can read it without importing the program that loads the commands.
export const VERSION = "0.1.0";
