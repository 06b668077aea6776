// PSScriptAnalyzer-style rules over tree-sitter-powershell parse trees, for a machine where PowerShell cannot run
// (driven by tests/powershell_checks.rs; documented rule by rule in docs/powershell-checks.md).
//
//   node lint-powershell.mjs [--json] [--parameters <out.json>] <file or folder>...
//   node lint-powershell.mjs --list-rules
//
// Every .ps1/.psm1/.psd1 under the paths is parsed and checked. The rules' data (approved verbs, built-in aliases,
// state-changing verbs, production writes) is in rules/*.json next to this file. A function is a public cmdlet when
// its file is a .ps1 that is not under a Private/ folder and is not a Pester *.Tests.ps1 file; the cmdlet rules
// (help, [OutputType()], ShouldProcess, ConfirmImpact) apply to those only, the naming and syntax rules to all.
//
// --json prints the findings as a JSON array of { rule, file, line, column, message }; otherwise one line each.
// --parameters writes the parameter sets of every public cmdlet (what tests/powershell/parameters.json pins).
// Exits 1 when there is a finding.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  newParser, parseSource, walk, findAll, listFiles, stringValue, functionName, scriptParameters,
  functionParameters, functionAttributeNodes, attributeName, attributeArguments, methodCalls, functionHelp,
  helpSections, helpBodies, commandName, commandsNamed, passesCmdlet, inside, argumentText,
} from './ps-tree.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const loadData = (name) => JSON.parse(fs.readFileSync(path.join(here, 'rules', name), 'utf8'));
const settings = loadData('rules.json');
const verbData = loadData('approved-verbs.json');
const aliasData = loadData('aliases.json');

const approvedVerbs = new Map(Object.values(verbData.verbs).flat().map((v) => [v.toLowerCase(), v]));
for (const missing of verbData.windowsPowerShellMissing) approvedVerbs.delete(missing.toLowerCase());
const aliases = new Map(Object.entries(aliasData.aliases).map(([alias, target]) => [alias.toLowerCase(), target]));
const stateVerbs = new Set(settings.stateChangingVerbs.map((v) => v.toLowerCase()));
const pluralAllowed = new Set(settings.pluralWordsAllowed.map((w) => w.toLowerCase()));

// --- arguments -------------------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
let asJson = false;
let parametersOut = null;
let listRules = false;
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') asJson = true;
  else if (args[i] === '--list-rules') listRules = true;
  else if (args[i] === '--parameters') parametersOut = path.resolve(args[++i]);
  else if (args[i].startsWith('--')) {
    console.error(`unknown option: ${args[i]}`);
    process.exit(2);
  } else inputs.push(path.resolve(args[i]));
}
if (listRules) {
  // Printed after the rules are defined (below); nothing else runs.
} else if (inputs.length === 0) {
  console.error('usage: node lint-powershell.mjs [--json] [--parameters out.json] <file or folder>...');
  process.exit(2);
}

const isPowerShell = (f) => /\.(ps1|psm1|psd1)$/i.test(f);
const files = [];
for (const input of inputs) {
  if (fs.existsSync(input) && fs.statSync(input).isDirectory()) files.push(...listFiles(input, isPowerShell));
  else if (fs.existsSync(input)) files.push(input);
  else {
    console.error(`no such file or folder: ${input}`);
    process.exit(2);
  }
}

const findings = [];
const rel = (file) => path.relative(repoRoot, file).split(path.sep).join('/');
const report = (rule, file, node, message) =>
  findings.push({ rule, file: rel(file), line: node.startPosition.row + 1, column: node.startPosition.column + 1, message });

const isPublicFile = (file) =>
  /\.ps1$/i.test(file) && !/\.Tests\.ps1$/i.test(file) && !file.split(path.sep).includes('Private');

// --- the rules --------------------------------------------------------------------------------------------------------
// Each takes { file, tree, functions, isPublic } and reports through report(). Adding a rule: a function here, an
// entry in RULES, a bad sample in bad-samples/ and a section in docs/powershell-checks.md.

// The grammar has no PowerShell 7 operators (`? :`, `??`, `?.`): it makes an ERROR around a '?' token for them.
const PS7_TOKENS = new Set(['?', '??', '?.']);
function isPowerShell7Token(node) {
  if (node.childCount !== 0 || !PS7_TOKENS.has(node.text.trim())) return false;
  for (let p = node; p; p = p.parent) if (p.type === 'ERROR') return true;
  return false;
}
const containsPowerShell7Token = (node) => {
  let found = false;
  walk(node, (n) => {
    if (isPowerShell7Token(n)) found = true;
  });
  return found;
};
// Where an ERROR really starts: its first leaf that is not a comment.
function errorStart(node) {
  let start = null;
  walk(node, (n) => {
    if (!start && n.childCount === 0 && n.type !== 'comment' && n.text.trim() !== '') start = n;
  });
  return start || node;
}

// Syntax errors, except those the grammar makes of PowerShell 7 operators (PSUseCompatibleSyntax reports them).
function parseErrors({ file, tree }) {
  walk(tree.rootNode, (n) => {
    if (n.type === 'ERROR' && (containsPowerShell7Token(n) || (n.parent && n.parent.type === 'ERROR'))) return;
    if (n.type === 'ERROR' || n.isMissing) {
      const what = n.isMissing ? `MISSING ${n.type}` : 'ERROR';
      const start = n.isMissing ? n : errorStart(n);
      report('PSParseError', file, start, `${what}: syntax error near ${JSON.stringify(start.text.split('\n')[0].slice(0, 60))}`);
    }
  });
}

function compatibleSyntax({ file, tree }) {
  const rule = 'PSUseCompatibleSyntax';
  walk(tree.rootNode, (n) => {
    if (n.type === 'class_statement' || n.type === 'enum_statement') {
      report(rule, file, n, `${n.type.replace('_statement', '')} definitions need PowerShell 5.0; the module targets 3.0`);
    } else if (n.type === 'pipeline_chain_tail') {
      report(rule, file, n, 'the && / || pipeline chain operators need PowerShell 7; use if ($?) { ... }');
    } else if (isPowerShell7Token(n)) {
      const line = n.startPosition.row;
      report(rule, file, n, `the ternary ? :, null-coalescing ?? or null-conditional ?. operator needs PowerShell 7 (in ${JSON.stringify(n.tree.rootNode.text.split('\n')[line].trim().slice(0, 60))}); use if/else`);
    } else if (n.type === 'invokation_expression' && n.children.some((c) => c.type === 'argument_list')) {
      const op = n.children.find((c) => c.type === '::' || c.type === '.');
      const member = n.children.find((c) => c.type === 'member_name');
      const name = member ? member.text.toLowerCase() : '';
      if (op && op.type === '::' && name === 'new') report(rule, file, n, '::new() needs PowerShell 5.0; use New-Object');
      if (op && op.type === '.' && (name === 'where' || name === 'foreach')) {
        report(rule, file, n, `.${member.text}() needs PowerShell 4.0; use Where-Object / ForEach-Object / foreach`);
      }
    } else if (n.type === 'command' && commandName(n).toLowerCase() === 'using') {
      report(rule, file, n, '`using namespace` / `using module` need PowerShell 5.0; write full type names');
    }
  });
}

// Verb and noun of a function name, or null for a name that is not Verb-Noun.
function splitName(name) {
  const match = /^([A-Za-z]+)-([A-Za-z0-9]+)$/.exec(name);
  return match ? { verb: match[1], noun: match[2] } : null;
}

function approvedVerbsRule({ file, functions }) {
  for (const fn of functions) {
    const name = functionName(fn);
    const parts = splitName(name);
    if (!parts) {
      report('PSUseApprovedVerbs', file, fn, `${name} is not named Verb-Noun`);
    } else if (!approvedVerbs.has(parts.verb.toLowerCase())) {
      report('PSUseApprovedVerbs', file, fn, `${name} uses '${parts.verb}', which is not an approved verb on Windows PowerShell (rules/approved-verbs.json)`);
    } else if (approvedVerbs.get(parts.verb.toLowerCase()) !== parts.verb) {
      report('PSUseApprovedVerbs', file, fn, `${name}: write the verb as '${approvedVerbs.get(parts.verb.toLowerCase())}'`);
    }
  }
}

// The last word of a PascalCase noun ("LegacyClientFacts" -> "Facts").
const lastWord = (noun) => (noun.match(/[A-Z][a-z0-9]*|[a-z0-9]+/g) || [noun]).pop();

function singularNouns({ file, functions }) {
  for (const fn of functions) {
    const parts = splitName(functionName(fn));
    if (!parts) continue;
    const word = lastWord(parts.noun);
    const lower = word.toLowerCase();
    if (pluralAllowed.has(lower)) continue;
    if (/s$/.test(lower) && !/(ss|us|is)$/.test(lower)) {
      report('PSUseSingularNouns', file, fn, `${functionName(fn)}: the noun '${parts.noun}' looks plural ('${word}'); PowerShell nouns are singular (or list the word in rules.json pluralWordsAllowed)`);
    }
  }
}

function noAliases({ file, tree }) {
  for (const command of findAll(tree.rootNode, 'command')) {
    const nameNode = command.children.find((c) => c.type === 'command_name');
    if (!nameNode) continue;
    const target = aliases.get(nameNode.text.toLowerCase());
    if (target) report('PSAvoidUsingCmdletAliases', file, nameNode, `'${nameNode.text}' is an alias of ${target}; write the full command name`);
  }
}

function cmdletBinding(fn) {
  return functionAttributeNodes(fn).find((a) => attributeName(a).toLowerCase() === 'cmdletbinding') || null;
}

function supportsShouldProcess(fn) {
  const binding = cmdletBinding(fn);
  if (!binding) return false;
  const value = attributeArguments(binding).supportsshouldprocess;
  return value !== undefined && value.toLowerCase() !== '$false';
}

function confirmImpact(fn) {
  const binding = cmdletBinding(fn);
  const value = binding ? attributeArguments(binding).confirmimpact : undefined;
  return value ? value.replace(/^['"]|['"]$/g, '') : 'Medium';
}

function callsShouldProcess(fn) {
  if (methodCalls(fn, 'ShouldProcess').some((c) => /^\$PSCmdlet\s*\.\s*ShouldProcess\b/i.test(c.text))) return true;
  return settings.shouldProcessDelegates.some((d) => commandsNamed(fn, d.command).some((c) => passesCmdlet(c)));
}

function shouldProcessRule({ file, functions, isPublic }) {
  if (!isPublic) return;
  const rule = 'PSUseShouldProcessForStateChangingFunctions';
  for (const fn of functions) {
    const name = functionName(fn);
    const parts = splitName(name);
    const changes = parts && stateVerbs.has(parts.verb.toLowerCase());
    const declares = supportsShouldProcess(fn);
    const calls = callsShouldProcess(fn);
    if (changes && !declares) report(rule, file, fn, `${name} changes state ('${parts.verb}') but has no [CmdletBinding(SupportsShouldProcess = $true)]: it has no -WhatIf/-Confirm`);
    if (declares && !calls) report(rule, file, fn, `${name} declares SupportsShouldProcess but never calls $PSCmdlet.ShouldProcess(): -WhatIf would gate nothing`);
    if (!declares && methodCalls(fn, 'ShouldProcess').length > 0) report(rule, file, fn, `${name} calls ShouldProcess() without SupportsShouldProcess: -WhatIf and -Confirm would not exist`);
  }
}

// `Operation = '<op>'` in a hashtable splatted to the native layer, or `-Operation '<op>'`.
function nativeOperations(fn) {
  const operations = new Set();
  for (const entry of findAll(fn, 'hash_entry')) {
    const key = entry.children.find((c) => c.type === 'key_expression');
    if (!key || key.text.trim().toLowerCase() !== 'operation') continue;
    for (const literal of findAll(entry, 'string_literal')) operations.add(stringValue(literal).toLowerCase());
  }
  for (const command of findAll(fn, 'command')) {
    for (const match of command.text.matchAll(/-Operation\s+['"]([^'"]+)['"]/gi)) operations.add(match[1].toLowerCase());
  }
  return operations;
}

// A parameter's production write confirmed like a High-impact cmdlet: $PSCmdlet.ShouldContinue() under an `if`
// whose condition names the parameter.
function confirmsParameter(fn, parameter) {
  const pattern = new RegExp(`\\$${parameter}\\b`, 'i');
  return methodCalls(fn, 'ShouldContinue').some((call) => {
    for (let p = call.parent; p && p.id !== fn.id; p = p.parent) {
      if (p.type !== 'if_statement') continue;
      const condition = p.children.find((c) => c.type === 'pipeline');
      if (condition && pattern.test(condition.text)) return true;
    }
    return false;
  });
}

function highImpactRule({ file, functions, isPublic }) {
  if (!isPublic) return;
  const rule = 'PChatConfirmImpactHigh';
  const data = settings.highImpact;
  for (const fn of functions) {
    const name = functionName(fn);
    const high = confirmImpact(fn).toLowerCase() === 'high';
    const listed = data.cmdlets.find((c) => c.cmdlet.toLowerCase() === name.toLowerCase());
    if (listed && !high) report(rule, file, fn, `${name} ${listed.why}: declare ConfirmImpact = 'High' (it is '${confirmImpact(fn)}')`);
    const operations = nativeOperations(fn);
    for (const op of data.operations) {
      if (!listed && operations.has(op.operation.toLowerCase()) && !high) {
        report(rule, file, fn, `${name} starts the library's '${op.operation}' operation (${op.why}): declare ConfirmImpact = 'High'`);
      }
    }
    for (const entry of data.parameters.filter((p) => p.cmdlet.toLowerCase() === name.toLowerCase())) {
      if (!functionParameters(fn).some((p) => p.toLowerCase() === entry.parameter.toLowerCase())) continue;
      if (!high && !confirmsParameter(fn, entry.parameter)) {
        report(rule, file, fn, `${name} -${entry.parameter} ${entry.why}: confirm it as a High-impact change ($PSCmdlet.ShouldContinue under if ($${entry.parameter} ...) when $ConfirmPreference is High) or declare ConfirmImpact = 'High'`);
      }
    }
  }
}

function completeHelp({ file, functions, isPublic }) {
  if (!isPublic) return;
  const rule = 'PSProvideCommentHelp';
  for (const fn of functions) {
    const name = functionName(fn);
    const help = functionHelp(fn);
    if (!help) {
      report(rule, file, fn, `${name} has no comment-based help with .SYNOPSIS`);
      continue;
    }
    const sections = helpSections(help);
    const count = (keyword) => sections.filter((s) => s.keyword === keyword).length;
    for (const keyword of settings.requiredHelpSections) {
      if (count(keyword) === 0) report(rule, file, help, `help of ${name} has no .${keyword}`);
    }
    if (count('EXAMPLE') < settings.minimumExamples) {
      report(rule, file, help, `help of ${name} has ${count('EXAMPLE')} .EXAMPLE(s); give at least ${settings.minimumExamples}`);
    }
    for (const keyword of ['SYNOPSIS', 'DESCRIPTION']) {
      if (count(keyword) > 1) report(rule, file, help, `help of ${name} has more than one .${keyword}`);
    }
    const parameters = functionParameters(fn).map((p) => p.toLowerCase());
    const documented = sections.filter((s) => s.keyword === 'PARAMETER').map((s) => s.argument);
    for (const parameter of functionParameters(fn)) {
      if (!documented.some((d) => d.toLowerCase() === parameter.toLowerCase())) report(rule, file, help, `help of ${name} has no .PARAMETER ${parameter}`);
    }
    for (const d of documented) {
      if (!parameters.includes(d.toLowerCase())) report(rule, file, help, `help of ${name} documents .PARAMETER ${d}, which the function does not have`);
    }
    for (const example of helpBodies(help, 'EXAMPLE')) {
      // A command, a blank line, then remarks that explain it (as Get-Help shows the Cs cmdlets' examples).
      const lines = example.body.split(/\r?\n/).map((l) => l.trim());
      while (lines.length > 0 && lines[0] === '') lines.shift();
      const blank = lines.indexOf('');
      const remarks = blank < 0 ? [] : lines.slice(blank + 1).filter((l) => l !== '' && l !== '#>');
      const where = { startPosition: { row: example.line - 1, column: 4 } };
      if (lines.length === 0 || lines[0] === '' || lines[0] === '#>') report(rule, file, where, `an .EXAMPLE of ${name} has no command`);
      else if (remarks.length === 0) report(rule, file, where, `an .EXAMPLE of ${name} has no remarks after its command (a blank line, then what it does)`);
    }
  }
}

function outputTypeRule({ file, functions, isPublic }) {
  if (!isPublic) return;
  for (const fn of functions) {
    if (!functionAttributeNodes(fn).some((a) => attributeName(a).toLowerCase() === 'outputtype')) {
      report('PChatDeclareOutputType', file, fn, `${functionName(fn)} has no [OutputType()]: declare what it writes (Get-Help, tab completion of members and the parameter list rely on it)`);
    }
  }
}

// dbatools' convention (anchors.md section 2): a public cmdlet reports every failure through Stop-PChatCommand, which
// writes a friendly warning by default and the error itself with -EnableException. So every public cmdlet has
// -EnableException, never writes or throws an error record itself, passes its -EnableException to each call, calls
// it outside a try block (there its own catch would take the error a second time), and returns or continues right
// after it (without -EnableException nothing stops the cmdlet there).
const DIRECT_ERROR_CALLS = [
  { pattern: /^\$PSCmdlet\s*\.\s*ThrowTerminatingError\b/i, what: '$PSCmdlet.ThrowTerminatingError()' },
  { pattern: /^\$PSCmdlet\s*\.\s*WriteError\b/i, what: '$PSCmdlet.WriteError()' },
];
const FLOW_AFTER_STOP = /^(return|continue|break)\b/i;

function statementOf(node) {
  let statement = node;
  while (statement.parent && statement.parent.type !== 'statement_list') statement = statement.parent;
  return statement.parent ? statement : null;
}

function insideTryBody(node, fn) {
  for (let p = node.parent; p && p.id !== fn.id; p = p.parent) {
    if (p.type === 'statement_block' && p.parent && p.parent.type === 'try_statement') return true;
  }
  return false;
}

function friendlyFailures({ file, functions, isPublic }) {
  if (!isPublic) return;
  const rule = 'PChatReportFailureThroughStop';
  for (const fn of functions) {
    const name = functionName(fn);
    if (!functionParameters(fn).some((p) => p.toLowerCase() === 'enableexception')) {
      report(rule, file, fn, `${name} has no [switch] $EnableException: friendly warnings by default, errors on request (dbatools' convention)`);
    }
    for (const call of [...methodCalls(fn, 'ThrowTerminatingError'), ...methodCalls(fn, 'WriteError')]) {
      const direct = DIRECT_ERROR_CALLS.find(({ pattern }) => pattern.test(call.text));
      if (direct) report(rule, file, call, `${name} calls ${direct.what} itself: report the failure with Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord ... -EnableException:$EnableException`);
    }
    for (const command of commandsNamed(fn, 'Write-Error')) {
      report(rule, file, command, `${name} calls Write-Error: report the failure with Stop-PChatCommand (a warning unless -EnableException)`);
    }
    for (const command of commandsNamed(fn, 'Stop-PChatCommand')) {
      if (!/-Cmdlet\s+\$PSCmdlet\b/i.test(command.text)) report(rule, file, command, `${name}: pass -Cmdlet $PSCmdlet to Stop-PChatCommand (the error is the cmdlet's own)`);
      if (!/-EnableException:\s*(\$EnableException\b|\([^)]*\$EnableException\b)/i.test(command.text)) {
        report(rule, file, command, `${name}: pass -EnableException:$EnableException to Stop-PChatCommand, or the switch does nothing`);
      }
      if (insideTryBody(command, fn)) report(rule, file, command, `${name} calls Stop-PChatCommand inside a try block: with -EnableException its own catch would take the error again; call it in the catch block or after the try`);
      const statement = statementOf(command);
      let next = statement ? statement.nextNamedSibling : null;
      while (next && next.type === 'comment') next = next.nextNamedSibling;
      if (!next || !FLOW_AFTER_STOP.test(next.text.trim())) {
        report(rule, file, command, `${name}: return (or continue) right after Stop-PChatCommand; without -EnableException it only warns, and the cmdlet would go on`);
      }
    }
  }
}

// Output objects read like the Cs cmdlets' (docs/powershell-objects.md): the properties the module builds itself —
// [pscustomobject]@{ ... } keys and Add-Member -Name literals — are PascalCase, as the JSON reader makes the
// library's. (Request hashtables stay camelCase: they are not cast to [pscustomobject].)
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;

function pascalCaseProperties({ file, tree }) {
  const rule = 'PChatPascalCaseProperty';
  // Pester files build stand-ins for the library's data, which has the library's names.
  if (/\.Tests\.ps1$/i.test(file)) return;
  for (const cast of findAll(tree.rootNode, 'cast_expression')) {
    const type = cast.children.find((c) => c.type === 'type_literal');
    if (!type || type.text.replace(/\s+/g, '').toLowerCase() !== '[pscustomobject]') continue;
    const operand = cast.children.find((c) => c.type === 'unary_expression');
    const hash = operand && operand.children.find((c) => c.type === 'hash_literal_expression');
    const body = hash && hash.children.find((c) => c.type === 'hash_literal_body');
    if (!body) continue;
    for (const entry of body.children.filter((c) => c.type === 'hash_entry')) {
      const key = entry.children.find((c) => c.type === 'key_expression');
      const name = key ? stringValue(key).trim() : '';
      if (key && !PASCAL_CASE.test(name)) report(rule, file, key, `output property '${name}' is not PascalCase; write it as the Cs cmdlets do (for example '${name.charAt(0).toUpperCase()}${name.slice(1)}')`);
    }
  }
  for (const command of commandsNamed(tree.rootNode, 'Add-Member')) {
    const value = argumentText(command, 'Name');
    if (!value || value.startsWith('$') || value.startsWith('(')) continue;
    const name = value.replace(/^['"]|['"]$/g, '');
    if (!PASCAL_CASE.test(name)) report(rule, file, command, `Add-Member adds the property '${name}', which is not PascalCase`);
  }
}

const RULES = [parseErrors, compatibleSyntax, approvedVerbsRule, singularNouns, noAliases, shouldProcessRule, highImpactRule, completeHelp, outputTypeRule, friendlyFailures, pascalCaseProperties];
// The rule names the functions above report (--list-rules; every one has a bad sample in bad-samples/).
const RULE_NAMES = ['PSParseError', 'PSUseCompatibleSyntax', 'PSUseApprovedVerbs', 'PSUseSingularNouns', 'PSAvoidUsingCmdletAliases',
  'PSUseShouldProcessForStateChangingFunctions', 'PChatConfirmImpactHigh', 'PSProvideCommentHelp', 'PChatDeclareOutputType', 'PChatReportFailureThroughStop', 'PChatPascalCaseProperty'];

// --- parameter sets ------------------------------------------------------------------------------------------------------
const unquote = (text) => (text || '').trim().replace(/^['"]|['"]$/g, '');
const isTrue = (text) => text !== undefined && text.toLowerCase() !== '$false';

function parameterType(parameter) {
  const list = parameter.children.find((c) => c.type === 'attribute_list');
  const types = list ? list.children.filter((c) => c.type === 'attribute' && c.children.some((x) => x.type === 'type_literal')) : [];
  return types.length === 0 ? 'object' : types[types.length - 1].text.replace(/^\[|\]$/g, '').trim();
}

function parameterAttributes(parameter, name) {
  const list = parameter.children.find((c) => c.type === 'attribute_list');
  return list ? list.children.filter((c) => c.type === 'attribute' && attributeName(c).toLowerCase() === name) : [];
}

// cmdlet -> { defaultParameterSet, supportsShouldProcess, confirmImpact, parameterSets: { set: [parameter...] } }.
function parameterSets(fn) {
  const binding = cmdletBinding(fn);
  const bindingArgs = binding ? attributeArguments(binding) : {};
  const declared = [];
  for (const parameter of scriptParameters(fn)) {
    const variable = parameter.children.find((c) => c.type === 'variable');
    const attributes = parameterAttributes(parameter, 'parameter').map(attributeArguments);
    const aliasNames = parameterAttributes(parameter, 'alias').flatMap((a) => findAll(a, 'string_literal').map(stringValue));
    declared.push({ name: variable.text.replace(/^\$/, ''), type: parameterType(parameter), attributes: attributes.length ? attributes : [{}], aliases: aliasNames });
  }
  const named = [...new Set(declared.flatMap((d) => d.attributes.map((a) => unquote(a.parametersetname)).filter(Boolean)))].sort();
  // DefaultParameterSetName names a set of its own even when no parameter is in it (PowerShell then binds only the
  // parameters of all sets under that name).
  const defaultSet = bindingArgs.defaultparametersetname ? unquote(bindingArgs.defaultparametersetname) : null;
  if (defaultSet && !named.includes(defaultSet)) named.push(defaultSet);
  named.sort();
  const sets = named.length ? named : ['__AllParameterSets'];
  const result = {};
  for (const set of sets) {
    result[set] = [];
    for (const d of declared) {
      const attribute = d.attributes.find((a) => unquote(a.parametersetname) === set) || d.attributes.find((a) => !a.parametersetname);
      if (!attribute) continue;
      result[set].push({
        name: d.name,
        type: d.type,
        mandatory: isTrue(attribute.mandatory),
        position: attribute.position !== undefined ? Number(attribute.position) : null,
        valueFromPipeline: isTrue(attribute.valuefrompipeline),
        valueFromPipelineByPropertyName: isTrue(attribute.valuefrompipelinebypropertyname),
        aliases: d.aliases,
      });
    }
  }
  return {
    defaultParameterSet: bindingArgs.defaultparametersetname ? unquote(bindingArgs.defaultparametersetname) : null,
    supportsShouldProcess: supportsShouldProcess(fn),
    confirmImpact: supportsShouldProcess(fn) ? confirmImpact(fn) : null,
    parameterSets: result,
  };
}

if (listRules) {
  for (const name of RULE_NAMES) console.log(name);
  process.exit(0);
}

// The list with one line per parameter, so that a review diff shows each changed parameter on its own line.
function formatParameters(list) {
  const cmdletTexts = Object.entries(list).map(([name, cmdlet]) => {
    const sets = Object.entries(cmdlet.parameterSets).map(([set, parameters]) => {
      const lines = parameters.map((p) => `        ${JSON.stringify(p)}`);
      return `      ${JSON.stringify(set)}: [${lines.length ? `\n${lines.join(',\n')}\n      ` : ''}]`;
    });
    const head = ['defaultParameterSet', 'supportsShouldProcess', 'confirmImpact'].map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(cmdlet[k])}`);
    return `  ${JSON.stringify(name)}: {\n${head.join(',\n')},\n    "parameterSets": {\n${sets.join(',\n')}\n    }\n  }`;
  });
  return `{\n${cmdletTexts.join(',\n')}\n}\n`;
}

// --- run ----------------------------------------------------------------------------------------------------------------
const parser = newParser();
const cmdlets = {};
for (const file of files) {
  const source = fs.readFileSync(file, 'utf8');
  const tree = parseSource(parser, source);
  const functions = findAll(tree.rootNode, 'function_statement');
  const context = { file, source, tree, functions, isPublic: isPublicFile(file) };
  for (const rule of RULES) rule(context);
  if (context.isPublic) for (const fn of functions) cmdlets[functionName(fn)] = parameterSets(fn);
}

if (parametersOut) {
  const sorted = Object.fromEntries(Object.keys(cmdlets).sort().map((k) => [k, cmdlets[k]]));
  fs.writeFileSync(parametersOut, formatParameters(sorted));
}
if (asJson) console.log(JSON.stringify(findings, null, 2));
else {
  for (const f of findings) console.log(`${f.rule} ${f.file}:${f.line}:${f.column}: ${f.message}`);
  console.log(`checked ${files.length} PowerShell file(s) with ${RULES.length} rules: ${findings.length} finding(s)`);
}
process.exit(findings.length === 0 ? 0 : 1);
