/** One output file, relative to the output directory (`/`-separated). */
export interface RenderedFile {
  path: string;
  content: string;
}
