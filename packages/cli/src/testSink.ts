/** A writable stand-in for stdout/stderr in tests of `main`: collects what is written. */
export function sink() {
  let text = '';
  return {
    write: (s: string) => {
      text += s;
      return true;
    },
    get text() {
      return text;
    },
  };
}
