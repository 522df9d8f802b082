/** Vite's `?raw` imports: the file's text (the help pages bundle the docs they render). */
declare module '*.md?raw' {
  const text: string;
  export default text;
}
