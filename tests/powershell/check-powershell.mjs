// Static checks of the PowerShell module, run on Linux where pwsh is not available (driven by
// tests/powershell_checks.rs; run by hand with `node tests/powershell/check-powershell.mjs`).
//
//   node check-powershell.mjs [--root <powershell dir>] [--expect-version <crate version>]
//
// 1. Parses every .ps1/.psm1/.psd1 under the root with tree-sitter-powershell and reports every ERROR or MISSING
//    node as file:line:column. (The grammar wrongly rejects bare comma lists in command arguments, such as
//    `Export-ModuleMember -Function A, B`: write `@('A', 'B')` instead.)
// 2. Windows PowerShell 3.0 compatibility: no class/enum, no ::new(), no .Where()/.ForEach() methods, no && / ||
//    pipeline chains, no `using` statements (ternaries and ?? do not parse, so step 1 already rejects them), no
//    reads of $script:IsWindows/IsLinux/IsMacOS (the shim's names, empty on PowerShell 7), and every file is ASCII
//    or UTF-8 with a BOM (Windows PowerShell reads BOM-less files in the ANSI code page).
// 3. Structure: every Public/ and Private/ *.ps1 defines exactly one function, named after the file; public ones
//    are in the manifest's FunctionsToExport (and vice versa), have [CmdletBinding()] and [OutputType()], and
//    comment-based help with .SYNOPSIS, .DESCRIPTION, at least two .EXAMPLEs and a .PARAMETER for each parameter
//    (and none for parameters that do not exist), plus .INPUTS, .OUTPUTS and .LINK, and every .EXAMPLE has a
//    command followed by a blank line and remarks; every *-PChat* command called is defined in the module.
//    [CmdletBinding(SupportsShouldProcess = $true)] and $PSCmdlet.ShouldProcess() go together (a change without
//    -WhatIf, or -WhatIf that gates nothing, are both bugs).
// 5. Output types: every PChatMigration.* type name a public function declares in [OutputType()] is given to its
//    output objects (PSObject.TypeNames.Insert or -ResultTypeName/-ItemTypeName), and every type name given to
//    output objects has a view in the module's Format.ps1xml.
// 4. Manifest: RootModule, ModuleVersion (= the crate version when --expect-version is given), PowerShellVersion
//    3.0, explicit export lists, files named in FormatsToProcess/FileList exist, and no CompatiblePSEditions key
//    (Windows PowerShell 3.0/4.0 refuse to import a manifest that has it).
// 6. The plan executor (Invoke-PChatPlanStep, which runs the library's planned steps): every state-changing call
//    in it is inside `if ($Cmdlet.ShouldProcess(...)) { ... }` (the then-block, not elseif/else), where $Cmdlet is
//    its parameter; it never calls ShouldProcess on its own $PSCmdlet nor declares SupportsShouldProcess; every
//    caller passes `-Cmdlet $PSCmdlet` from a function with SupportsShouldProcess and never turns -WhatIf or
//    -Confirm off; the command runner (Invoke-PChatCsCommand) is called elsewhere only with `-Name 'Get-...'`;
//    and no file calls a changing Cs/AD cmdlet (New-Cs*, Disable-CsUser, Remove-ADUser...) by name. So -WhatIf
//    reaches every change and nothing changes outside the executor's ShouldProcess branch.
// Exits 1 and prints every problem when anything is wrong.

import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let root = path.resolve(here, '..', '..', 'powershell');
let expectVersion = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--root') root = path.resolve(args[++i]);
  else if (args[i] === '--expect-version') expectVersion = args[++i];
  else {
    console.error(`unknown argument: ${args[i]}`);
    process.exit(2);
  }
}

const MODULE = 'PersistentChatMigration';
const moduleDir = path.join(root, MODULE);
const LIBRARY_TOKEN = '@@PCHAT_MIGRATE_NATIVE_LIBRARY@@';
const EXECUTOR = 'Invoke-PChatPlanStep';
const RUNNER = 'Invoke-PChatCsCommand';
// Every runtime identifier a release may ship (docs/platforms.md); Native/PChatMigrationPlatform.cs must know them all.
const RIDS = ['win-x64', 'win7-x64', 'win-x86', 'win7-x86', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64'];

const problems = [];
const rel = (file) => path.relative(path.resolve(root, '..'), file);
const at = (file, node) => `${rel(file)}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
const problem = (where, message) => problems.push(`${where}: ${message}`);

const parser = new Parser();
parser.setLanguage(PowerShell);

function walk(node, visit) {
  visit(node);
  for (const child of node.children) walk(child, visit);
}

function findAll(node, type) {
  const found = [];
  walk(node, (n) => {
    if (n.type === type) found.push(n);
  });
  return found;
}

function listFiles(dir, predicate) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, predicate));
    else if (predicate(full)) out.push(full);
  }
  return out.sort();
}

// The text of a string literal node without its quotes (verbatim or expandable, single line).
function stringValue(node) {
  const text = node.text;
  if (text.length >= 2 && (text[0] === "'" || text[0] === '"') && text[text.length - 1] === text[0]) {
    return text.slice(1, -1);
  }
  return text;
}

// --- 1. parse every PowerShell file ------------------------------------------------------------------------------
const psFiles = listFiles(root, (f) => /\.(ps1|psm1|psd1)$/i.test(f));
if (psFiles.length === 0) problem(rel(root), 'no PowerShell files found');
const trees = new Map();
for (const file of psFiles) {
  const source = fs.readFileSync(file, 'utf8');
  const tree = parser.parse(source, null, { bufferSize: Math.max(1 << 16, source.length * 4) });
  trees.set(file, { source, tree });
  walk(tree.rootNode, (n) => {
    if (n.type === 'ERROR' || n.isMissing) {
      const what = n.isMissing ? `MISSING ${n.type}` : 'ERROR';
      const snippet = n.text.split('\n')[0].slice(0, 60);
      problem(at(file, n), `${what} (syntax error near ${JSON.stringify(snippet)})`);
    }
  });
}

// --- 2. Windows PowerShell 3.0 compatibility -----------------------------------------------------------------------
for (const file of listFiles(root, (f) => /\.(ps1|psm1|psd1|ps1xml|cs|txt)$/i.test(f))) {
  const bytes = fs.readFileSync(file);
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!hasBom) {
    const index = bytes.findIndex((b) => b > 0x7f);
    if (index >= 0) {
      const line = bytes.subarray(0, index).toString('latin1').split('\n').length;
      problem(`${rel(file)}:${line}`, 'non-ASCII byte in a file without a UTF-8 BOM (Windows PowerShell would read it as ANSI)');
    }
  }
}
for (const [file, { tree }] of trees) {
  walk(tree.rootNode, (n) => {
    if (n.type === 'class_statement' || n.type === 'enum_statement') {
      problem(at(file, n), `${n.type.replace('_statement', '')} definitions need PowerShell 5.0; the module targets 3.0`);
    }
    if (n.type === 'invokation_expression') {
      const op = n.children.find((c) => c.type === '::' || c.type === '.');
      const member = n.children.find((c) => c.type === 'member_name');
      const hasArgs = n.children.some((c) => c.type === 'argument_list');
      if (op && member && hasArgs) {
        const name = member.text.toLowerCase();
        if (op.type === '::' && name === 'new') {
          problem(at(file, n), '::new() needs PowerShell 5.0; use New-Object');
        }
        if (op.type === '.' && (name === 'where' || name === 'foreach')) {
          problem(at(file, n), `.${member.text}() needs PowerShell 4.0; use Where-Object / ForEach-Object / foreach`);
        }
      }
    }
    if (n.type === '&&' || n.type === '||') {
      problem(at(file, n), `the ${n.type} pipeline chain operator needs PowerShell 7`);
    }
    if (n.type === 'variable' && /^\$script:Is(Windows|Linux|MacOS)$/i.test(n.text)) {
      let assigned = false;
      for (let p = n.parent; p; p = p.parent) if (p.type === 'left_assignment_expression') assigned = true;
      if (!assigned) {
        problem(at(file, n), `read ${n.text.replace('script:', '')} unqualified: on PowerShell 7 the automatic variable is global and ${n.text} is empty`);
      }
    }
    if (n.type === 'command') {
      const name = n.children.find((c) => c.type === 'command_name');
      if (name && name.text.toLowerCase() === 'using') {
        problem(at(file, n), '`using` statements need PowerShell 5.0');
      }
    }
  });
}

// --- helpers for functions and help ---------------------------------------------------------------------------------
function functionName(fn) {
  const name = fn.children.find((c) => c.type === 'function_name');
  return name ? name.text : '';
}

// The function's own param block: a direct child, or the first child of its script_block.
function paramBlock(fn) {
  const direct = fn.children.find((c) => c.type === 'param_block');
  if (direct) return direct;
  const body = fn.children.find((c) => c.type === 'script_block');
  return body ? body.children.find((c) => c.type === 'param_block') || null : null;
}

function functionParameters(fn) {
  const block = paramBlock(fn);
  if (!block) return [];
  const names = [];
  const list = block.children.find((c) => c.type === 'parameter_list');
  if (!list) return names;
  for (const parameter of list.children.filter((c) => c.type === 'script_parameter')) {
    const variable = parameter.children.find((c) => c.type === 'variable');
    if (variable) names.push(variable.text.replace(/^\$/, ''));
  }
  return names;
}

function functionAttributeNodes(fn) {
  const block = paramBlock(fn);
  if (!block) return [];
  const list = block.children.find((c) => c.type === 'attribute_list');
  return list ? list.children.filter((c) => c.type === 'attribute') : [];
}

// Method calls `<expression>.<member>(...)` anywhere under node.
function methodCalls(node, member) {
  return findAll(node, 'invokation_expression').filter((n) => {
    const name = n.children.find((c) => c.type === 'member_name');
    return name && name.text.toLowerCase() === member.toLowerCase() && n.children.some((c) => c.type === 'argument_list');
  });
}

// PChatMigration.* type names given to output objects under node: $x.PSObject.TypeNames.Insert(0, '<name>') and
// ResultTypeName = '<name>' / ItemTypeName = '<name>' (splatted to Invoke-PChatNativeJob).
function producedTypeNames(node) {
  const names = new Set();
  for (const call of methodCalls(node, 'Insert')) {
    if (!/TypeNames\s*\.\s*Insert/i.test(call.text)) continue;
    for (const literal of findAll(call, 'string_literal')) names.add(stringValue(literal));
  }
  for (const entry of findAll(node, 'hash_entry')) {
    const key = entry.children.find((c) => c.type === 'key_expression');
    if (!key || !/^(ResultTypeName|ItemTypeName)$/i.test(key.text.trim())) continue;
    for (const literal of findAll(entry, 'string_literal')) names.add(stringValue(literal));
  }
  for (const command of findAll(node, 'command')) {
    const text = command.text;
    for (const match of text.matchAll(/-(?:ResultTypeName|ItemTypeName)\s+['"]([^'"]+)['"]/gi)) names.add(match[1]);
  }
  return [...names].filter((n) => n.startsWith('PChatMigration.'));
}

function functionAttributes(fn) {
  const block = paramBlock(fn);
  if (!block) return [];
  const list = block.children.find((c) => c.type === 'attribute_list');
  if (!list) return [];
  return list.children
    .filter((c) => c.type === 'attribute')
    .map((a) => {
      const name = a.children.find((c) => c.type === 'attribute_name');
      return name ? name.text : '';
    });
}

// Comment-based help: a <# #> block inside the function body, or immediately before the function.
function functionHelp(fn) {
  const inside = fn.children.filter((c) => c.type === 'comment' && c.text.startsWith('<#'));
  const before = fn.previousSibling;
  const candidates = [...inside];
  if (before && before.type === 'comment' && before.text.startsWith('<#')) candidates.push(before);
  return candidates.find((c) => /^\s*\.SYNOPSIS\b/im.test(c.text)) || null;
}

// The text of each `.<keyword>` section of a help comment, with the line it starts on.
function helpBodies(comment, keyword) {
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

function helpSections(comment) {
  const sections = [];
  for (const match of comment.text.matchAll(/^\s*\.([A-Z]+)[ \t]*([^\r\n]*)$/gim)) {
    sections.push({ keyword: match[1].toUpperCase(), argument: match[2].trim() });
  }
  return sections;
}

// --- 4. manifest ---------------------------------------------------------------------------------------------------
const manifestPath = path.join(moduleDir, `${MODULE}.psd1`);
const manifest = new Map(); // key -> { node, strings }
if (!trees.has(manifestPath)) {
  problem(rel(manifestPath), 'module manifest not found');
} else {
  const { tree } = trees.get(manifestPath);
  const hashes = findAll(tree.rootNode, 'hash_literal_expression');
  if (hashes.length === 0) problem(rel(manifestPath), 'the manifest is not a hashtable literal');
  else {
    const body = hashes[0].children.find((c) => c.type === 'hash_literal_body');
    for (const entry of body ? body.children.filter((c) => c.type === 'hash_entry') : []) {
      const key = entry.children.find((c) => c.type === 'key_expression');
      const value = entry.children.find((c) => c.type === 'pipeline');
      if (!key || !value) continue;
      const strings = findAll(value, 'string_literal').map(stringValue);
      manifest.set(key.text, { node: entry, value, strings });
    }
  }
  const single = (key) => {
    const entry = manifest.get(key);
    if (!entry) {
      problem(rel(manifestPath), `missing key ${key}`);
      return null;
    }
    if (entry.strings.length !== 1) {
      problem(at(manifestPath, entry.node), `${key} must be a single string`);
      return null;
    }
    return entry.strings[0];
  };
  const rootModule = single('RootModule');
  if (rootModule !== null && rootModule !== `${MODULE}.psm1`) {
    problem(at(manifestPath, manifest.get('RootModule').node), `RootModule is '${rootModule}', expected '${MODULE}.psm1'`);
  }
  const version = single('ModuleVersion');
  if (version !== null && expectVersion !== null && version !== expectVersion) {
    problem(at(manifestPath, manifest.get('ModuleVersion').node), `ModuleVersion is '${version}' but the crate version is '${expectVersion}'`);
  }
  const psVersion = single('PowerShellVersion');
  if (psVersion !== null && psVersion !== '3.0') {
    problem(at(manifestPath, manifest.get('PowerShellVersion').node), `PowerShellVersion is '${psVersion}', expected '3.0' (Lync Server 2013 Management Shell)`);
  }
  single('GUID');
  if (manifest.has('CompatiblePSEditions')) {
    problem(at(manifestPath, manifest.get('CompatiblePSEditions').node),
      'CompatiblePSEditions makes Windows PowerShell 3.0/4.0 refuse to import the module; use the PSEdition_Desktop/PSEdition_Core tags');
  }
  for (const key of ['FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport']) {
    const entry = manifest.get(key);
    if (!entry) problem(rel(manifestPath), `missing key ${key} (export lists must be explicit)`);
    else if (entry.strings.some((s) => s.includes('*'))) problem(at(manifestPath, entry.node), `${key} must not use wildcards`);
  }
  for (const key of ['FormatsToProcess', 'FileList']) {
    const entry = manifest.get(key);
    if (!entry) {
      problem(rel(manifestPath), `missing key ${key}`);
      continue;
    }
    for (const name of entry.strings) {
      if (!fs.existsSync(path.join(moduleDir, ...name.split(/[\\/]/)))) {
        problem(at(manifestPath, entry.node), `${key} names '${name}', which does not exist`);
      }
    }
  }
  if (!manifest.has('PrivateData') || !/\bPSData\b/.test(manifest.get('PrivateData').value.text)) {
    problem(rel(manifestPath), 'PrivateData.PSData is missing');
  }
}
const exported = manifest.has('FunctionsToExport') ? manifest.get('FunctionsToExport').strings : [];

// --- 3. functions and help -----------------------------------------------------------------------------------------
const defined = new Set();
const called = [];
for (const [file, { tree }] of trees) {
  for (const fn of findAll(tree.rootNode, 'function_statement')) defined.add(functionName(fn).toLowerCase());
  for (const cmd of findAll(tree.rootNode, 'command')) {
    const name = cmd.children.find((c) => c.type === 'command_name');
    if (name && /^[A-Za-z]+-PChat/i.test(name.text)) called.push({ file, node: name, name: name.text });
  }
}
for (const { file, node, name } of called) {
  if (!defined.has(name.toLowerCase())) problem(at(file, node), `calls ${name}, which no file of the module defines`);
}

const publicFiles = psFiles.filter((f) => path.dirname(f) === path.join(moduleDir, 'Public'));
const privateFiles = psFiles.filter((f) => path.dirname(f) === path.join(moduleDir, 'Private'));
if (publicFiles.length === 0) problem(rel(path.join(moduleDir, 'Public')), 'no public functions');
for (const file of [...publicFiles, ...privateFiles]) {
  const isPublic = publicFiles.includes(file);
  const { tree } = trees.get(file);
  const expected = path.basename(file, '.ps1');
  const functions = findAll(tree.rootNode, 'function_statement');
  if (functions.length !== 1) {
    problem(rel(file), `defines ${functions.length} functions; expected exactly one, named ${expected}`);
    continue;
  }
  const fn = functions[0];
  const name = functionName(fn);
  if (name !== expected) problem(at(file, fn), `defines function '${name}'; the file name requires '${expected}'`);
  if (!isPublic) {
    if (exported.includes(name)) problem(at(file, fn), `private function ${name} is listed in FunctionsToExport`);
    continue;
  }
  if (!exported.includes(name)) problem(at(file, fn), `public function ${name} is not in the manifest's FunctionsToExport`);
  const attributes = functionAttributes(fn);
  for (const required of ['CmdletBinding', 'OutputType']) {
    if (!attributes.includes(required)) problem(at(file, fn), `public function ${name} has no [${required}()] attribute`);
  }
  const help = functionHelp(fn);
  if (!help) {
    problem(at(file, fn), `public function ${name} has no comment-based help with .SYNOPSIS`);
    continue;
  }
  const sections = helpSections(help);
  const count = (keyword) => sections.filter((s) => s.keyword === keyword).length;
  for (const keyword of ['SYNOPSIS', 'DESCRIPTION', 'EXAMPLE']) {
    if (count(keyword) === 0) problem(at(file, help), `help of ${name} has no .${keyword}`);
  }
  // One example is rarely enough to show a cmdlet's parameter sets: every public function has two or more.
  if (count('EXAMPLE') === 1) problem(at(file, help), `help of ${name} has only one .EXAMPLE; give at least two`);
  for (const keyword of ['SYNOPSIS', 'DESCRIPTION']) {
    if (count(keyword) > 1) problem(at(file, help), `help of ${name} has more than one .${keyword}`);
  }
  // The Cs cmdlets' documentation layout: inputs, outputs and related links too.
  for (const keyword of ['INPUTS', 'OUTPUTS', 'LINK']) {
    if (count(keyword) === 0) problem(at(file, help), `help of ${name} has no .${keyword}`);
  }
  for (const example of helpBodies(help, 'EXAMPLE')) {
    // A command, a blank line, then remarks that explain it (as Get-Help shows the Cs cmdlets' examples).
    const lines = example.body.split(/\r?\n/).map((l) => l.trim());
    while (lines.length > 0 && lines[0] === '') lines.shift();
    const blank = lines.indexOf('');
    const remarks = blank < 0 ? [] : lines.slice(blank + 1).filter((l) => l !== '' && l !== '#>');
    if (lines.length === 0 || lines[0] === '') problem(`${rel(file)}:${example.line}`, `an .EXAMPLE of ${name} has no command`);
    else if (remarks.length === 0) problem(`${rel(file)}:${example.line}`, `an .EXAMPLE of ${name} has no remarks after its command`);
  }
  const supportsShouldProcess = functionAttributeNodes(fn).some((a) => {
    const attributeName = a.children.find((c) => c.type === 'attribute_name');
    return attributeName && attributeName.text.toLowerCase() === 'cmdletbinding' &&
      /\bSupportsShouldProcess\b(?!\s*=\s*\$false)/i.test(a.text);
  });
  const shouldProcessCalls = methodCalls(fn, 'ShouldProcess');
  // Handing $PSCmdlet to the plan executor is calling ShouldProcess (section 6 checks the executor's side).
  const delegates = commandsNamed(fn, EXECUTOR).some((c) => passesCmdlet(c));
  if (supportsShouldProcess && shouldProcessCalls.length === 0 && !delegates) {
    problem(at(file, fn), `${name} declares SupportsShouldProcess but never calls $PSCmdlet.ShouldProcess(): -WhatIf would gate nothing`);
  }
  if (!supportsShouldProcess && shouldProcessCalls.length > 0) {
    problem(at(file, shouldProcessCalls[0]), `${name} calls ShouldProcess() without [CmdletBinding(SupportsShouldProcess = $true)]: -WhatIf and -Confirm would not exist`);
  }
  const parameters = functionParameters(fn);
  const documented = sections.filter((s) => s.keyword === 'PARAMETER').map((s) => s.argument);
  for (const parameter of parameters) {
    if (!documented.some((d) => d.toLowerCase() === parameter.toLowerCase())) {
      problem(at(file, help), `help of ${name} has no .PARAMETER ${parameter}`);
    }
  }
  for (const d of documented) {
    if (!parameters.some((p) => p.toLowerCase() === d.toLowerCase())) {
      problem(at(file, help), `help of ${name} documents .PARAMETER ${d}, which the function does not have`);
    }
  }
}
for (const name of exported) {
  if (!publicFiles.some((f) => path.basename(f, '.ps1') === name)) {
    problem(rel(manifestPath), `FunctionsToExport lists ${name}, but Public/${name}.ps1 does not exist`);
  }
}

// --- loader essentials ---------------------------------------------------------------------------------------------
const psm1Path = path.join(moduleDir, `${MODULE}.psm1`);
const csPath = path.join(moduleDir, 'Native', 'PChatMigrationNative.cs');
if (!trees.has(psm1Path)) problem(rel(psm1Path), 'root module not found');
else {
  const { tree } = trees.get(psm1Path);
  const literals = new Set(findAll(tree.rootNode, 'string_literal').map(stringValue));
  if (!literals.has(LIBRARY_TOKEN)) problem(rel(psm1Path), `does not name the library placeholder '${LIBRARY_TOKEN}'`);
  // The override variable, the P/Invoke source, the ABI check (Native.AbiVersion() wraps pcm_abi_version), and the
  // selection and diagnosis of Native/PChatMigrationPlatform.cs.
  for (const needle of ['PCHAT_MIGRATE_NATIVE_PATH', 'PChatMigrationNative.cs', '[PChatMigration.Native]::AbiVersion()',
    'PChatMigrationPlatform.cs', '[PChatMigration.NativePlatform]::SelectRuntimeId(',
    '[PChatMigration.NativePlatform]::DescribeLoadFailure(', '[PChatMigration.NativePlatform]::DescribeMissingLibrary(']) {
    if (!trees.get(psm1Path).source.includes(needle)) problem(rel(psm1Path), `does not use ${needle}`);
  }
}
const platformCsPath = path.join(moduleDir, 'Native', 'PChatMigrationPlatform.cs');
if (!fs.existsSync(platformCsPath)) problem(rel(platformCsPath), 'runtime selection class not found');
else {
  const platformSource = fs.readFileSync(platformCsPath, 'utf8');
  const known = platformSource.match(/KnownRuntimeIds\s*=\s*new string\[\]\s*\{([^}]*)\}/);
  const declared = known ? [...known[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  for (const rid of RIDS) {
    if (!declared.includes(rid)) problem(rel(platformCsPath), `KnownRuntimeIds does not list the runtime identifier ${rid}`);
  }
  for (const rid of declared) {
    if (!RIDS.includes(rid)) problem(rel(platformCsPath), `KnownRuntimeIds lists ${rid}, which docs/platforms.md and this check do not know`);
  }
}
if (!fs.existsSync(csPath)) problem(rel(csPath), 'P/Invoke class not found');
else if (!fs.readFileSync(csPath, 'utf8').includes(`"${LIBRARY_TOKEN}"`)) {
  problem(rel(csPath), `does not contain the library placeholder "${LIBRARY_TOKEN}"`);
}
for (const required of [path.join(moduleDir, `${MODULE}.Format.ps1xml`), path.join(moduleDir, 'en-US', `about_${MODULE}.help.txt`)]) {
  if (!fs.existsSync(required)) problem(rel(required), 'missing');
}

// --- 5. output types and views --------------------------------------------------------------------------------------
const formatPath = path.join(moduleDir, `${MODULE}.Format.ps1xml`);
const viewTypes = new Set();
if (fs.existsSync(formatPath)) {
  for (const match of fs.readFileSync(formatPath, 'utf8').matchAll(/<TypeName>\s*([^<\s]+)\s*<\/TypeName>/g)) viewTypes.add(match[1]);
}
for (const [file, { tree }] of trees) {
  for (const fn of findAll(tree.rootNode, 'function_statement')) {
    const name = functionName(fn);
    const produced = producedTypeNames(fn);
    for (const typeName of produced) {
      if (!viewTypes.has(typeName)) problem(at(file, fn), `${name} outputs objects of type ${typeName}, which has no view in ${MODULE}.Format.ps1xml`);
    }
    if (!publicFiles.includes(file)) continue;
    for (const attribute of functionAttributeNodes(fn)) {
      const attributeName = attribute.children.find((c) => c.type === 'attribute_name');
      if (!attributeName || attributeName.text.toLowerCase() !== 'outputtype') continue;
      for (const literal of findAll(attribute, 'string_literal')) {
        const declared = stringValue(literal);
        if (declared.startsWith('PChatMigration.') && !produced.includes(declared)) {
          problem(at(file, literal), `${name} declares [OutputType('${declared}')] but gives no output object that type name (produced: ${produced.join(', ') || 'none'})`);
        }
      }
    }
  }
}

// --- 6. the plan executor's ShouldProcess flow ------------------------------------------------------------------------
function executorChecks() {
  const executorFile = path.join(moduleDir, 'Private', `${EXECUTOR}.ps1`);
  if (!trees.has(executorFile)) return;
  const fn = findAll(trees.get(executorFile).tree.rootNode, 'function_statement')[0];
  if (!fn) return;
  if (!functionParameters(fn).some((p) => p.toLowerCase() === 'cmdlet')) {
    problem(at(executorFile, fn), `${EXECUTOR} has no -Cmdlet parameter (the calling cmdlet's $PSCmdlet, whose ShouldProcess honours -WhatIf)`);
  }
  const declares = functionAttributeNodes(fn).some((a) => /\bSupportsShouldProcess\b/i.test(a.text));
  if (declares) {
    problem(at(executorFile, fn), `${EXECUTOR} declares SupportsShouldProcess: it must use the caller's $Cmdlet.ShouldProcess, so that the caller's -WhatIf/-Confirm decide`);
  }
  for (const call of methodCalls(fn, 'ShouldProcess')) {
    if (!/^\$Cmdlet\s*\.\s*ShouldProcess\b/i.test(call.text)) {
      problem(at(executorFile, call), `${EXECUTOR} calls ShouldProcess on something other than $Cmdlet (${call.text.split('(')[0]}): the caller's -WhatIf would not reach it`);
    }
  }
  const gated = gatedBlocks(fn);
  if (gated.length === 0) {
    problem(at(executorFile, fn), `${EXECUTOR} has no \`if ($Cmdlet.ShouldProcess(...)) { ... }\` branch`);
  }
  const changing = findAll(fn, 'command').filter((c) => isChanging(c));
  if (!changing.some((c) => commandName(c).toLowerCase() === RUNNER.toLowerCase())) {
    problem(at(executorFile, fn), `${EXECUTOR} never runs a step (no ${RUNNER} call)`);
  }
  for (const command of changing) {
    if (!gated.some((block) => inside(command, block))) {
      problem(at(executorFile, command), `${EXECUTOR} runs '${command.text.split('\n')[0].slice(0, 60)}' outside its \`if ($Cmdlet.ShouldProcess(...))\` branch: -WhatIf would not stop it`);
    }
  }
  for (const variable of findAll(fn, 'variable')) {
    if (/^\$(WhatIfPreference|ConfirmPreference)$/i.test(variable.text) && isAssigned(variable)) {
      problem(at(executorFile, variable), `${EXECUTOR} assigns ${variable.text}: the caller's -WhatIf/-Confirm must decide`);
    }
  }
}

function commandName(command) {
  const name = command.children.find((c) => c.type === 'command_name');
  if (name) return name.text;
  return command.children.length > 0 ? command.children[0].text : '';
}

function commandsNamed(node, name) {
  return findAll(node, 'command').filter((c) => commandName(c).toLowerCase() === name.toLowerCase());
}

// The `-Name value` argument of a command: the text of the element after the parameter, or null.
function argumentText(command, parameter) {
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

// `-WhatIf:$false` / `-Confirm:$false` (the grammar splits `-Name:` and the value).
function turnsOff(command, parameter) {
  const text = command.text.replace(/\s+/g, '');
  return new RegExp(`-${parameter}:\\$false`, 'i').test(text);
}

function passesCmdlet(command) {
  const value = argumentText(command, 'Cmdlet');
  return value !== null && value.trim().toLowerCase() === '$pscmdlet';
}

// A command that can change something: the runner, a call operator or Invoke-Command/Expression, or any
// cmdlet whose verb changes state (New-Object and the output/pipeline cmdlets excepted).
function isChanging(command) {
  const name = commandName(command);
  if (/^(New-Object|Write-\w+|ForEach-Object|Where-Object|Select-Object|Sort-Object|Out-Null)$/i.test(name)) return false;
  if (name.toLowerCase() === RUNNER.toLowerCase()) return true;
  if (command.text.trim().startsWith('&')) return true;
  if (/^Invoke-(Command|Expression)$/i.test(name)) return true;
  return /^(New|Set|Remove|Disable|Enable|Grant|Revoke|Move|Clear|Install|Uninstall|Add|Start|Stop|Restart|Rename|Update)-/i.test(name);
}

// The then-blocks of `if ($Cmdlet.ShouldProcess(...))` under node.
function gatedBlocks(node) {
  return findAll(node, 'if_statement')
    .filter((s) => {
      const condition = s.children.find((c) => c.type === 'pipeline');
      return condition && /^\s*\$Cmdlet\s*\.\s*ShouldProcess\s*\(/i.test(condition.text);
    })
    .map((s) => s.children.find((c) => c.type === 'statement_block'))
    .filter(Boolean);
}

function inside(node, ancestor) {
  for (let p = node.parent; p; p = p.parent) if (p.id === ancestor.id) return true;
  return false;
}

function isAssigned(variable) {
  for (let p = variable.parent; p; p = p.parent) if (p.type === 'left_assignment_expression') return true;
  return false;
}

function callerChecks() {
  for (const [file, { tree }] of trees) {
    for (const fn of findAll(tree.rootNode, 'function_statement')) {
      const name = functionName(fn);
      for (const call of commandsNamed(fn, EXECUTOR)) {
        if (!passesCmdlet(call)) {
          problem(at(file, call), `${name} calls ${EXECUTOR} without -Cmdlet $PSCmdlet: its steps would not be gated by ${name}'s -WhatIf/-Confirm`);
        }
        const supports = functionAttributeNodes(fn).some((a) => /\bSupportsShouldProcess\b(?!\s*=\s*\$false)/i.test(a.text));
        if (!supports) {
          problem(at(file, call), `${name} calls ${EXECUTOR} but has no [CmdletBinding(SupportsShouldProcess = $true)]: it would have no -WhatIf`);
        }
        for (const parameter of ['WhatIf', 'Confirm']) {
          if (turnsOff(call, parameter)) problem(at(file, call), `${name} calls ${EXECUTOR} with -${parameter}:$false`);
        }
      }
      if (name === EXECUTOR || name === RUNNER) continue;
      for (const call of commandsNamed(fn, RUNNER)) {
        const value = argumentText(call, 'Name');
        const literal = value !== null && /^'Get-[A-Za-z]+'$/.test(value.trim());
        if (!literal) {
          problem(at(file, call), `${name} calls ${RUNNER} with -Name ${value === null ? '(none)' : value}: outside ${EXECUTOR} it may only read (a literal 'Get-...' cmdlet)`);
        }
      }
      for (const command of findAll(fn, 'command')) {
        if (/^(New|Set|Remove|Disable|Enable|Grant|Move|Clear)-(Cs|AD)[A-Za-z]*$/i.test(commandName(command))) {
          problem(at(file, command), `${name} calls ${commandName(command)} directly: changes go through the planner's steps and ${EXECUTOR} only`);
        }
      }
    }
  }
}

executorChecks();
callerChecks();

// --- report --------------------------------------------------------------------------------------------------------
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`checked ${psFiles.length} PowerShell files (${publicFiles.length} public, ${privateFiles.length} private functions): ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
