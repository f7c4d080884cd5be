/**
 * A small strict XML well-formedness checker for the SVG tests (no XML parser is
 * installed): one root element, balanced and properly nested tags, quoted
 * attributes without `<`, no duplicate attributes, only known or numeric
 * entities, no raw `<` or stray `&` in text, only XML 1.0 characters. Handles the
 * prolog Graphviz writes (declaration, DOCTYPE, comments). Returns the elements
 * with their decoded attributes and text so tests can look inside.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element. */
  text: string;
  /** Text and child elements in document order. */
  content: (string | XmlElement)[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (message: string): never => {
    const line = source.slice(0, pos).split('\n').length;
    throw new Error(`XML not well-formed at line ${line} (offset ${pos}): ${message}`);
  };
  for (let index = 0; index < source.length; index += 1) {
    const code = source.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff) {
      pos = index;
      fail(`character U+${code.toString(16).padStart(4, '0')} is not allowed in XML`);
    }
  }
  const startsWith = (text: string): boolean => source.startsWith(text, pos);
  const skipSpace = (): void => {
    while (pos < source.length && ' \t\r\n'.includes(source[pos]!)) pos += 1;
  };
  const isNameChar = (char: string, first: boolean): boolean => {
    const code = char.charCodeAt(0);
    const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || char === '_' || char === ':' || code > 127;
    return first ? letter : letter || (code >= 48 && code <= 57) || char === '-' || char === '.';
  };
  const readName = (): string => {
    const start = pos;
    if (pos >= source.length || !isNameChar(source[pos]!, true)) fail('expected a name');
    pos += 1;
    while (pos < source.length && isNameChar(source[pos]!, false)) pos += 1;
    return source.slice(start, pos);
  };
  const decode = (raw: string, where: string): string => {
    let out = '';
    for (let index = 0; index < raw.length; index += 1) {
      const char = raw[index]!;
      if (char === '<') fail(`raw "<" in ${where}`);
      if (char !== '&') {
        out += char;
        continue;
      }
      const end = raw.indexOf(';', index);
      if (end < 0) fail(`"&" without ";" in ${where}`);
      const entity = raw.slice(index + 1, end);
      if (entity.startsWith('#x')) {
        const value = Number.parseInt(entity.slice(2), 16);
        if (!/^[0-9a-fA-F]+$/.test(entity.slice(2)) || !Number.isFinite(value)) fail(`bad character reference &${entity};`);
        out += String.fromCodePoint(value);
      } else if (entity.startsWith('#')) {
        if (!/^[0-9]+$/.test(entity.slice(1))) fail(`bad character reference &${entity};`);
        out += String.fromCodePoint(Number(entity.slice(1)));
      } else if (entity in ENTITIES) {
        out += ENTITIES[entity];
      } else {
        fail(`unknown entity &${entity}; in ${where}`);
      }
      index = end;
    }
    return out;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (startsWith('<?')) {
        const end = source.indexOf('?>', pos + 2);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else if (startsWith('<!DOCTYPE')) {
        // No internal subset in the files we check: up to the first ">" outside quotes.
        let quote = '';
        pos += 9;
        while (pos < source.length && !(quote === '' && source[pos] === '>')) {
          const char = source[pos]!;
          if (quote === '' && (char === '"' || char === "'")) quote = char;
          else if (char === quote) quote = '';
          else if (quote === '' && char === '[') fail('DOCTYPE internal subsets are not supported');
          pos += 1;
        }
        if (pos >= source.length) fail('unterminated DOCTYPE');
        pos += 1;
      } else {
        return;
      }
    }
  };

  const readElement = (): XmlElement => {
    if (!startsWith('<')) fail('expected "<"');
    pos += 1;
    const name = readName();
    const element: XmlElement = { name, attributes: {}, children: [], text: '', content: [] };
    for (;;) {
      const hadSpace = pos < source.length && ' \t\r\n'.includes(source[pos]!);
      skipSpace();
      if (startsWith('/>')) {
        pos += 2;
        return element;
      }
      if (startsWith('>')) {
        pos += 1;
        break;
      }
      if (!hadSpace) fail(`expected whitespace before attribute in <${name}>`);
      const attribute = readName();
      skipSpace();
      if (!startsWith('=')) fail(`attribute ${attribute} of <${name}> has no value`);
      pos += 1;
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} of <${name}> is not quoted`);
      const end = source.indexOf(quote!, pos + 1);
      if (end < 0) fail(`unterminated attribute ${attribute}`);
      if (attribute in element.attributes) fail(`duplicate attribute ${attribute} in <${name}>`);
      element.attributes[attribute] = decode(source.slice(pos + 1, end), `attribute ${attribute} of <${name}>`);
      pos = end + 1;
    }
    // Content.
    for (;;) {
      if (pos >= source.length) fail(`<${name}> is never closed`);
      if (startsWith('</')) {
        pos += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        if (!startsWith('>')) fail(`expected ">" after </${closing}`);
        pos += 1;
        return element;
      }
      if (startsWith('<!--')) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
        continue;
      }
      if (startsWith('<![CDATA[')) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        element.text += source.slice(pos + 9, end);
        element.content.push(source.slice(pos + 9, end));
        pos = end + 3;
        continue;
      }
      if (startsWith('<')) {
        const child = readElement();
        element.children.push(child);
        element.content.push(child);
        continue;
      }
      const next = source.indexOf('<', pos);
      const end = next < 0 ? source.length : next;
      const text = decode(source.slice(pos, end), `text of <${name}>`);
      element.text += text;
      element.content.push(text);
      pos = end;
    }
  };

  skipMisc();
  const root = readElement();
  skipMisc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

/** Every element of a tree, depth-first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** All text under an element (its own and its descendants'), decoded. */
export function textContent(element: XmlElement): string {
  return element.content.map((part) => (typeof part === 'string' ? part : textContent(part))).join('');
}
