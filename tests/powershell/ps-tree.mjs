// Helpers over tree-sitter-powershell parse trees, shared by check-powershell.mjs (module structure) and
// lint-powershell.mjs (the PSScriptAnalyzer-style rules). Node type names are the grammar's (node-types.json of
// tree-sitter-powershell 0.26.4).

import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';
import fs from 'node:fs';
import path from 'node:path';

export function newParser() {
  const parser = new Parser();
  parser.setLanguage(PowerShell);
  return parser;
}

// Parses a file's text (the default buffer is too small for the larger cmdlets).
export function parseSource(parser, source) {
  return parser.parse(source, null, { bufferSize: Math.max(1 << 16, source.length * 4) });
}

export function walk(node, visit) {
  visit(node);
  for (const child of node.children) walk(child, visit);
}

export function findAll(node, type) {
  const found = [];
  walk(node, (n) => {
    if (n.type === type) found.push(n);
  });
  return found;
}

export function listFiles(dir, predicate) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listFiles(full, predicate));
    } else if (predicate(full)) out.push(full);
  }
  return out.sort();
}

// The text of a string literal node without its quotes (verbatim or expandable, single line).
export function stringValue(node) {
  const text = node.text;
  if (text.length >= 2 && (text[0] === "'" || text[0] === '"') && text[text.length - 1] === text[0]) {
    return text.slice(1, -1);
  }
  return text;
}

export function functionName(fn) {
  const name = fn.children.find((c) => c.type === 'function_name');
  return name ? name.text : '';
}

// The function's own param block: a direct child, or the first child of its script_block.
export function paramBlock(fn) {
  const direct = fn.children.find((c) => c.type === 'param_block');
  if (direct) return direct;
  const body = fn.children.find((c) => c.type === 'script_block');
  return body ? body.children.find((c) => c.type === 'param_block') || null : null;
}

export function scriptParameters(fn) {
  const block = paramBlock(fn);
  if (!block) return [];
  const list = block.children.find((c) => c.type === 'parameter_list');
  return list ? list.children.filter((c) => c.type === 'script_parameter') : [];
}

export function functionParameters(fn) {
  const names = [];
  for (const parameter of scriptParameters(fn)) {
    const variable = parameter.children.find((c) => c.type === 'variable');
    if (variable) names.push(variable.text.replace(/^\$/, ''));
  }
  return names;
}

export function functionAttributeNodes(fn) {
  const block = paramBlock(fn);
  if (!block) return [];
  const list = block.children.find((c) => c.type === 'attribute_list');
  return list ? list.children.filter((c) => c.type === 'attribute') : [];
}

// The attribute's name ('CmdletBinding', 'Parameter', ...), or '' for a type constraint such as [string].
export function attributeName(attribute) {
  const name = attribute.children.find((c) => c.type === 'attribute_name');
  return name ? name.text : '';
}

export function functionAttributes(fn) {
  return functionAttributeNodes(fn).map(attributeName);
}

// Named arguments of an attribute: { lowercased name: value text } (a bare name such as `Mandatory` is '$true').
export function attributeArguments(attribute) {
  const args = {};
  const list = attribute.children.find((c) => c.type === 'attribute_arguments');
  if (!list) return args;
  for (const argument of list.children.filter((c) => c.type === 'attribute_argument')) {
    const name = argument.children.find((c) => c.type === 'simple_name');
    if (!name) continue;
    const value = argument.children.filter((c) => c.type !== 'simple_name' && c.type !== '=');
    args[name.text.toLowerCase()] = value.length > 0 ? value.map((v) => v.text).join('').trim() : '$true';
  }
  return args;
}

// Method calls `<expression>.<member>(...)` anywhere under node.
export function methodCalls(node, member) {
  return findAll(node, 'invokation_expression').filter((n) => {
    const name = n.children.find((c) => c.type === 'member_name');
    return name && name.text.toLowerCase() === member.toLowerCase() && n.children.some((c) => c.type === 'argument_list');
  });
}

// Comment-based help: a <# #> block inside the function body, or immediately before the function.
export function functionHelp(fn) {
  const inside = fn.children.filter((c) => c.type === 'comment' && c.text.startsWith('<#'));
  const before = fn.previousSibling;
  const candidates = [...inside];
  if (before && before.type === 'comment' && before.text.startsWith('<#')) candidates.push(before);
  return candidates.find((c) => /^\s*\.SYNOPSIS\b/im.test(c.text)) || null;
}

export function helpSections(comment) {
  const sections = [];
  for (const match of comment.text.matchAll(/^\s*\.([A-Z]+)[ \t]*([^\r\n]*)$/gim)) {
    sections.push({ keyword: match[1].toUpperCase(), argument: match[2].trim() });
  }
  return sections;
}

export function commandName(command) {
  const name = command.children.find((c) => c.type === 'command_name');
  if (name) return name.text;
  return command.children.length > 0 ? command.children[0].text : '';
}

export function commandsNamed(node, name) {
  return findAll(node, 'command').filter((c) => commandName(c).toLowerCase() === name.toLowerCase());
}

// The `-Name value` argument of a command: the text of the element after the parameter, or null.
export function argumentText(command, parameter) {
  const elements = command.children.find((c) => c.type === 'command_elements');
  if (!elements) return null;
  const items = elements.children.filter((c) => c.type !== 'command_argument_sep');
  for (let i = 0; i < items.length; i++) {
    if (items[i].type === 'command_parameter' && items[i].text.toLowerCase() === `-${parameter.toLowerCase()}`) {
      return i + 1 < items.length ? items[i + 1].text : '';
    }
    if (items[i].type === 'command_parameter' && items[i].text.toLowerCase().startsWith(`-${parameter.toLowerCase()}:`)) {
      return items[i].text.slice(parameter.length + 2);
    }
  }
  return null;
}

export function passesCmdlet(command) {
  const value = argumentText(command, 'Cmdlet');
  return value !== null && value.trim().toLowerCase() === '$pscmdlet';
}

export function inside(node, ancestor) {
  for (let p = node.parent; p; p = p.parent) if (p.id === ancestor.id) return true;
  return false;
}

export function isAssigned(variable) {
  for (let p = variable.parent; p; p = p.parent) if (p.type === 'left_assignment_expression') return true;
  return false;
}

// The text of each `.<keyword>` section of a help comment, with the line it starts on.
export function helpBodies(comment, keyword) {
  const lines = comment.text.split(/\r?\n/);
  const bodies = [];
  let current = null;
  lines.forEach((line, index) => {
    const match = /^\s*\.([A-Z]+)\b/i.exec(line);
    if (match) {
      current = match[1].toUpperCase() === keyword ? { line: comment.startPosition.row + index + 1, body: '' } : null;
      if (current) bodies.push(current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  });
  return bodies;
}
