/**
 * A small XML well-formedness check for the pictures (no XML parser is among the dependencies):
 * one root element, every tag closed in order, attributes quoted and unique, only the five
 * predefined or numeric entities, no stray `<` or `&`. Returns the problems found (none: well-formed).
 */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = text.startsWith("<?xml") ? text.indexOf("?>") + 2 : 0;
  const checkText = (s: string, at: number) => {
    const bad = /&(?!(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.exec(s);
    if (bad) problems.push(`bad entity at ${at + bad.index}`);
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    checkText(chunk, i);
    if (stack.length === 0 && chunk.trim() !== "") problems.push(`text outside the root at ${i}`);
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt);
      if (end < 0) return [...problems, "unclosed comment"];
      i = end + 3;
      continue;
    }
    const gt = text.indexOf(">", lt);
    if (gt < 0) return [...problems, `unclosed tag at ${lt}`];
    const tag = text.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}> at ${lt}`);
    } else {
      const selfClosing = tag.endsWith("/");
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w.:-]*)([\s\S]*)$/.exec(body);
      if (!m) {
        problems.push(`bad tag <${tag.slice(0, 20)}> at ${lt}`);
      } else {
        const seen = new Set<string>();
        let rest = m[2]!.trim();
        while (rest.length > 0) {
          const a = /^([A-Za-z_][\w.:-]*)="([^"<]*)"\s*/.exec(rest);
          if (!a) {
            problems.push(`bad attribute in <${m[1]}> at ${lt}: ${rest.slice(0, 30)}`);
            break;
          }
          if (seen.has(a[1]!)) problems.push(`duplicate attribute ${a[1]} at ${lt}`);
          seen.add(a[1]!);
          checkText(a[2]!, lt);
          rest = rest.slice(a[0].length);
        }
        if (stack.length === 0) roots++;
        if (!selfClosing) stack.push(m[1]!);
      }
    }
    i = gt + 1;
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join("> <")}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
