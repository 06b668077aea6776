// Static checks of the PowerShell module, run on Linux where pwsh is not available (driven by
// tests/powershell_checks.rs; run by hand with `node tests/powershell/check-powershell.mjs`).
//
//   node check-powershell.mjs [--root <powershell dir>] [--expect-version <crate version>]
//
// 1. Parses every .ps1/.psm1/.psd1 under the root with tree-sitter-powershell and reports every ERROR or MISSING
//    node as file:line:column. (The grammar wrongly rejects bare comma lists in command arguments, such as
//    `Export-ModuleMember -Function A, B`: write `@('A', 'B')` instead.)
// 2. Windows PowerShell 3.0 compatibility beyond syntax: no reads of $script:IsWindows/IsLinux/IsMacOS (the shim's
//    names, empty on PowerShell 7), and every file is ASCII or UTF-8 with a BOM (Windows PowerShell reads BOM-less
//    files in the ANSI code page). The syntax itself (class, ::new(), ternaries, &&...) is lint-powershell.mjs's
//    PSUseCompatibleSyntax rule.
// 3. Structure: every Public/ and Private/ *.ps1 defines exactly one function, named after the file; public ones
//    are in the manifest's FunctionsToExport (and vice versa) and have [CmdletBinding()]; every *-PChat* command
//    called is defined in the module. Help, [OutputType()], ShouldProcess and ConfirmImpact are rules of
//    lint-powershell.mjs (docs/powershell-checks.md).
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
// 7. The one-command migration (Start-PChatMigration): every call of a state-changing stage cmdlet
//    (Export-PChatMigrationData, Import-PChatMigrationData, Enable-PChatLegacyClientAccess) is either its read-only
//    form (-WhatIf:$true for the export and the import, -PlanOnly for legacy-client access) or inside the then-block
//    of `if/elseif ($PSCmdlet.ShouldProcess(...))`; no other changing command is called; -WhatIf:$false appears only
//    in such a block; and its only direct native call is the read-only `migration_plan`. So under -WhatIf (where
//    ShouldProcess returns false) only read-only operations run.
// Exits 1 and prints every problem when anything is wrong.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  newParser, parseSource, walk, findAll, listFiles, stringValue, functionName, functionParameters,
  functionAttributeNodes, functionAttributes, methodCalls, commandName, commandsNamed, argumentText, passesCmdlet,
  inside, isAssigned,
} from './ps-tree.mjs';

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

const parser = newParser();

// --- 1. parse every PowerShell file ------------------------------------------------------------------------------
const psFiles = listFiles(root, (f) => /\.(ps1|psm1|psd1)$/i.test(f));
if (psFiles.length === 0) problem(rel(root), 'no PowerShell files found');
const trees = new Map();
for (const file of psFiles) {
  const source = fs.readFileSync(file, 'utf8');
  const tree = parseSource(parser, source);
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
    if (n.type === 'variable' && /^\$script:Is(Windows|Linux|MacOS)$/i.test(n.text)) {
      let assigned = false;
      for (let p = n.parent; p; p = p.parent) if (p.type === 'left_assignment_expression') assigned = true;
      if (!assigned) {
        problem(at(file, n), `read ${n.text.replace('script:', '')} unqualified: on PowerShell 7 the automatic variable is global and ${n.text} is empty`);
      }
    }
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
  // [OutputType()], help, ShouldProcess and ConfirmImpact are rules of lint-powershell.mjs (docs/powershell-checks.md).
  if (!functionAttributes(fn).includes('CmdletBinding')) problem(at(file, fn), `public function ${name} has no [CmdletBinding()] attribute`);
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

// `-WhatIf:$false` / `-Confirm:$false` (the grammar splits `-Name:` and the value).
function turnsOff(command, parameter) {
  const text = command.text.replace(/\s+/g, '');
  return new RegExp(`-${parameter}:\\$false`, 'i').test(text);
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

// --- 7. Start-PChatMigration's -WhatIf path -------------------------------------------------------------------------
const MIGRATION = 'Start-PChatMigration';
// The stage cmdlets that change something, with the argument that makes a call read-only.
const STAGE_READ_ONLY = new Map([
  ['export-pchatmigrationdata', (c) => /-WhatIf:\$true/i.test(c.text.replace(/\s+/g, ''))],
  ['import-pchatmigrationdata', (c) => /-WhatIf:\$true/i.test(c.text.replace(/\s+/g, ''))],
  ['enable-pchatlegacyclientaccess', (c) => argumentText(c, 'PlanOnly') !== null],
]);
// Commands Start-PChatMigration may call anywhere: they read only (or only shape output).
const MIGRATION_READ_ONLY = /^(Test-PChatMigrationReadiness|Test-PChatMigration|Get-PChatMigrationPackageFact|Resolve-PChatFilePath|Invoke-PChatNativeCall|Stop-PChatCommand|Join-Path|Write-\w+|New-Object|Where-Object|ForEach-Object)$/i;

// The then-blocks of `if ($PSCmdlet.ShouldProcess(...))` and `elseif ($PSCmdlet.ShouldProcess(...))` under node.
function selfGatedBlocks(node) {
  return [...findAll(node, 'if_statement'), ...findAll(node, 'elseif_clause')]
    .filter((s) => {
      const condition = s.children.find((c) => c.type === 'pipeline');
      return condition && /^\s*\$PSCmdlet\s*\.\s*ShouldProcess\s*\(/i.test(condition.text);
    })
    .map((s) => s.children.find((c) => c.type === 'statement_block'))
    .filter(Boolean);
}

function migrationChecks() {
  const file = path.join(moduleDir, 'Public', `${MIGRATION}.ps1`);
  if (!trees.has(file)) return;
  const fn = findAll(trees.get(file).tree.rootNode, 'function_statement')[0];
  if (!fn) return;
  const gated = selfGatedBlocks(fn);
  if (gated.length === 0) problem(at(file, fn), `${MIGRATION} has no \`if ($PSCmdlet.ShouldProcess(...)) { ... }\` branch`);
  const isGated = (command) => gated.some((block) => inside(command, block));
  for (const command of findAll(fn, 'command')) {
    const name = commandName(command);
    const where = at(file, command);
    const shown = command.text.split('\n')[0].slice(0, 60);
    const readOnlyForm = STAGE_READ_ONLY.get(name.toLowerCase());
    if (readOnlyForm) {
      if (!readOnlyForm(command) && !isGated(command)) {
        problem(where, `${MIGRATION} runs '${shown}' outside an \`if ($PSCmdlet.ShouldProcess(...))\` branch and not in its read-only form: -WhatIf would not stop it`);
      }
      if (readOnlyForm(command) && turnsOff(command, 'WhatIf')) problem(where, `${MIGRATION} calls ${name} with both -WhatIf:$true and -WhatIf:$false`);
    } else if (command.text.trim().startsWith('&')) {
      // The local script blocks ($withReport, $lastOf) only build arguments and pick objects.
      if (!/^&\s*\$(withReport|lastOf)\b/.test(command.text.trim())) problem(where, `${MIGRATION} runs '${shown}' with the call operator: only its argument helpers may be called so`);
    } else if (!MIGRATION_READ_ONLY.test(name)) {
      problem(where, `${MIGRATION} calls ${name}, which is not one of the read-only commands it may call outside the gated stage calls`);
    }
    if (turnsOff(command, 'WhatIf') && !isGated(command)) problem(where, `${MIGRATION} turns -WhatIf off outside an \`if ($PSCmdlet.ShouldProcess(...))\` branch`);
    if (name.toLowerCase() === 'invoke-pchatnativecall' && (argumentText(command, 'Operation') || '').trim() !== "'migration_plan'") {
      problem(where, `${MIGRATION} calls Invoke-PChatNativeCall with -Operation ${argumentText(command, 'Operation')}: its only direct native call is the read-only 'migration_plan'`);
    }
  }
  for (const variable of findAll(fn, 'variable')) {
    if (/^\$(WhatIfPreference|ConfirmPreference)$/i.test(variable.text) && isAssigned(variable)) {
      problem(at(file, variable), `${MIGRATION} assigns ${variable.text}: the caller's -WhatIf/-Confirm must decide`);
    }
  }
}

executorChecks();
callerChecks();
migrationChecks();

// --- report --------------------------------------------------------------------------------------------------------
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`checked ${psFiles.length} PowerShell files (${publicFiles.length} public, ${privateFiles.length} private functions): ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
