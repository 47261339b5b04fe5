// The file names execvp(3) would try for a command, in order (glibc's __execvpe).
// Pure: no imports, so it runs before the bootstrap filter and in Node unit tests.

/** glibc's confstr(_CS_PATH), what execvp searches when PATH is unset. */
export const DEFAULT_PATH = "/bin:/usr/bin";
const ENOENT = 2;
const ENAMETOOLONG = 36;
const NAME_MAX = 255;

export interface PathSearch {
  paths: string[];
  /** Set when execvp would fail before trying any file. */
  errno?: number;
}

export function searchPath(command: string, pathEnv: string | undefined): PathSearch {
  if (command === "") return { paths: [], errno: ENOENT };
  if (command.includes("/")) return { paths: [command] };
  if (command.length > NAME_MAX) return { paths: [], errno: ENAMETOOLONG };
  // An empty PATH element means the current directory, as in execvp.
  return { paths: (pathEnv ?? DEFAULT_PATH).split(":").map((dir) => (dir === "" ? command : `${dir}/${command}`)) };
}
