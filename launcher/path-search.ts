// The file names execvp(3) would try for a command, in order (glibc's __execvpe).
// Pure (no imports), so Node unit tests check it as it is; exec.ts runs it after the bootstrap.
// Names and PATH are byte strings (one char per byte, as exec.ts decodes them), so that
// lengths are the kernel's and bytes that are not UTF-8 survive.

/** glibc's confstr(_CS_PATH), what execvp searches when PATH is unset. */
export const DEFAULT_PATH = "/bin:/usr/bin";
const ENOENT = 2;
const ENAMETOOLONG = 36;
const NAME_MAX = 255;
const PATH_MAX = 4096;

interface PathSearch {
  paths: string[];
  /** Set when execvp would fail before trying any file. */
  errno?: number;
}

export function searchPath(command: string, pathEnv: string | undefined): PathSearch {
  if (command === "") return { paths: [], errno: ENOENT };
  if (command.includes("/")) return { paths: [command] };
  if (command.length > NAME_MAX) return { paths: [], errno: ENAMETOOLONG };
  const paths: string[] = [];
  // A plain loop, not filter/map: JSC compiles those (JavaScript builtins) on first use, which
  // costs a run's start more than the search itself.
  for (const dir of (pathEnv ?? DEFAULT_PATH).split(":")) {
    // glibc and musl size their buffer for PATH_MAX and skip a longer entry without trying it.
    // An empty entry means the current directory, as in execvp.
    if (dir.length < PATH_MAX) paths.push(dir === "" ? command : `${dir}/${command}`);
  }
  return { paths };
}
