/**
 * What the Kubernetes CEL environment for ValidatingAdmissionPolicy declares: the variables
 * (staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/compile.go:33-139, 251-291) and the
 * functions of every library in environment/base.go:62-186 (1.33), each with the Kubernetes minor
 * version that introduced it and whether this evaluator can run it.
 *
 * A call to a declared function this evaluator cannot run is never guessed: the checker throws
 * VapUnsupportedError. A call to a function Kubernetes does not declare is a compile error, as on
 * the API server.
 */
import { parseType, T, type CelT } from './types';

/** One overload: `member` overloads take the receiver as their first argument. */
export interface Overload {
  readonly id: string;
  readonly member: boolean;
  readonly args: readonly CelT[];
  readonly result: CelT;
  /** Whether @bufbuild/cel (or ./strings.ts) runs this overload exactly as cel-go does. */
  readonly supported: boolean;
}

/** A library of the Kubernetes CEL base environment. */
export interface Library {
  readonly name: string;
  /** Kubernetes minor version whose environment first has it (base.go IntroducedVersion). */
  readonly since: number;
  /** Functions the evaluator cannot run, by name; their signatures are not needed. */
  readonly unsupported: readonly string[];
}

/** Libraries whose functions this evaluator refuses, with the version that added them. */
export const UNSUPPORTED_LIBRARIES: readonly Library[] = [
  { name: 'Kubernetes regex library (find, findAll)', since: 0, unsupported: ['find', 'findAll'] },
  {
    name: 'Kubernetes lists library',
    since: 0,
    unsupported: ['isSorted', 'sum', 'min', 'max', 'lastIndexOf'],
  },
  {
    name: 'Kubernetes URL library',
    since: 0,
    unsupported: ['url', 'isURL', 'getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath', 'getQuery'],
  },
  {
    name: 'cel-go strings extension (functions with code-unit or limit differences in @bufbuild/cel)',
    since: 0,
    unsupported: ['charAt', 'replace', 'substring', 'trim'],
  },
  {
    name: 'Kubernetes authorizer library',
    since: 27,
    unsupported: ['path', 'group', 'serviceAccount', 'resource', 'subresource', 'check', 'allowed', 'reason', 'errored', 'error'],
  },
  {
    name: 'CEL optional types',
    since: 28,
    unsupported: ['optional.of', 'optional.ofNonZeroValue', 'optional.none', 'hasValue', 'value', 'orValue', 'or'],
  },
  {
    name: 'Kubernetes quantity library',
    since: 28,
    unsupported: ['quantity', 'isQuantity', 'sign', 'isGreaterThan', 'isLessThan', 'compareTo', 'add', 'sub', 'asInteger', 'isInteger', 'asApproximateFloat'],
  },
  { name: 'cel-go strings extension v1 (format, strings.quote)', since: 29, unsupported: ['format', 'strings.quote'] },
  { name: 'cel-go sets extension', since: 29, unsupported: ['sets.contains', 'sets.equivalent', 'sets.intersects'] },
  {
    name: 'Kubernetes IP and CIDR libraries',
    since: 30,
    unsupported: [
      'ip', 'isIP', 'ip.isCanonical', 'family', 'isUnspecified', 'isLoopback', 'isLinkLocalMulticast', 'isLinkLocalUnicast',
      'isGlobalUnicast', 'cidr', 'isCIDR', 'containsIP', 'containsCIDR', 'masked', 'prefixLength',
    ],
  },
  {
    name: 'Kubernetes format library',
    since: 31,
    unsupported: [
      'format.named', 'format.dns1123Label', 'format.dns1123Subdomain', 'format.dns1035Label', 'format.qualifiedName',
      'format.dns1123LabelPrefix', 'format.dns1123SubdomainPrefix', 'format.dns1035LabelPrefix', 'format.labelValue',
      'format.uri', 'format.uuid', 'format.byte', 'format.date', 'format.datetime', 'validate',
    ],
  },
  { name: 'Kubernetes authorizer selectors', since: 31, unsupported: ['fieldSelector', 'labelSelector'] },
  {
    name: 'cel-go two-variable comprehensions',
    since: 32,
    unsupported: ['all', 'exists', 'existsOne', 'transformList', 'transformMap', 'transformMapEntry'],
  },
  { name: 'Kubernetes semver library', since: 33, unsupported: ['semver', 'isSemver', 'major', 'minor', 'patch'] },
  {
    name: 'cel-go lists extension v3',
    since: 34,
    unsupported: ['distinct', 'flatten', 'lists.range', 'reverse', 'slice', 'sort', 'sortBy', 'first', 'last'],
  },
];

/** The library that declares `name` at Kubernetes minor `minor` and that the evaluator cannot run. */
export function unsupportedLibrary(name: string, minor: number): Library | undefined {
  return UNSUPPORTED_LIBRARIES.find((lib) => lib.since <= minor && lib.unsupported.includes(name));
}

type Sig = readonly [id: string, member: boolean, args: string, result: string, supported?: boolean];

const sig = (s: Sig): Overload => ({
  id: s[0],
  member: s[1],
  args: s[2] === '' ? [] : splitTypes(s[2]).map(parseType),
  result: parseType(s[3]),
  supported: s[4] ?? true,
});

function splitTypes(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')') depth--;
    if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

const COMPARABLE: readonly (readonly [string, string])[] = [
  ['bool', 'bool'], ['int', 'int'], ['int', 'double'], ['int', 'uint'], ['uint', 'uint'], ['uint', 'double'], ['uint', 'int'],
  ['double', 'double'], ['double', 'int'], ['double', 'uint'], ['string', 'string'], ['bytes', 'bytes'],
  ['timestamp', 'timestamp'], ['duration', 'duration'],
];

const comparison = (name: string): Sig[] => COMPARABLE.map(([a, b]) => [`${name}_${a}_${b}`, false, `${a},${b}`, 'bool']);

const getters = (name: string, durationToo: boolean): Sig[] => [
  [`timestamp_${name}`, true, 'timestamp', 'int'],
  [`timestamp_${name}_with_tz`, true, 'timestamp,string', 'int'],
  ...(durationToo ? ([[`duration_${name}`, true, 'duration', 'int']] as Sig[]) : []),
];

/** cel-go common/stdlib/standard.go (v0.23), plus the strings extension overloads ./strings.ts runs. */
const FUNCTIONS: Readonly<Record<string, readonly Sig[]>> = {
  '_?_:_': [['conditional', false, 'bool,A,A', 'A']],
  '_&&_': [['logical_and', false, 'bool,bool', 'bool']],
  '_||_': [['logical_or', false, 'bool,bool', 'bool']],
  '!_': [['logical_not', false, 'bool', 'bool']],
  '@not_strictly_false': [['not_strictly_false', false, 'bool', 'bool']],
  '_==_': [['equals', false, 'A,A', 'bool']],
  '_!=_': [['not_equals', false, 'A,A', 'bool']],
  '_+_': [
    ['add_bytes', false, 'bytes,bytes', 'bytes'], ['add_double', false, 'double,double', 'double'],
    ['add_duration_duration', false, 'duration,duration', 'duration'], ['add_duration_timestamp', false, 'duration,timestamp', 'timestamp'],
    ['add_timestamp_duration', false, 'timestamp,duration', 'timestamp'], ['add_int64', false, 'int,int', 'int'],
    ['add_list', false, 'list(A),list(A)', 'list(A)'], ['add_string', false, 'string,string', 'string'], ['add_uint64', false, 'uint,uint', 'uint'],
  ],
  '_/_': [['divide_double', false, 'double,double', 'double'], ['divide_int64', false, 'int,int', 'int'], ['divide_uint64', false, 'uint,uint', 'uint']],
  '_%_': [['modulo_int64', false, 'int,int', 'int'], ['modulo_uint64', false, 'uint,uint', 'uint']],
  '_*_': [['multiply_double', false, 'double,double', 'double'], ['multiply_int64', false, 'int,int', 'int'], ['multiply_uint64', false, 'uint,uint', 'uint']],
  '-_': [['negate_double', false, 'double', 'double'], ['negate_int64', false, 'int', 'int']],
  '_-_': [
    ['subtract_double', false, 'double,double', 'double'], ['subtract_duration_duration', false, 'duration,duration', 'duration'],
    ['subtract_int64', false, 'int,int', 'int'], ['subtract_timestamp_duration', false, 'timestamp,duration', 'timestamp'],
    ['subtract_timestamp_timestamp', false, 'timestamp,timestamp', 'duration'], ['subtract_uint64', false, 'uint,uint', 'uint'],
  ],
  '_<_': comparison('less'),
  '_<=_': comparison('less_equals'),
  '_>_': comparison('greater'),
  '_>=_': comparison('greater_equals'),
  '_[_]': [['index_list', false, 'list(A),int', 'A'], ['index_map', false, 'map(A,B),A', 'B']],
  '@in': [['in_list', false, 'A,list(A)', 'bool'], ['in_map', false, 'A,map(A,B)', 'bool']],
  size: [
    ['size_bytes', false, 'bytes', 'int'], ['bytes_size', true, 'bytes', 'int'], ['size_list', false, 'list(A)', 'int'],
    ['list_size', true, 'list(A)', 'int'], ['size_map', false, 'map(A,B)', 'int'], ['map_size', true, 'map(A,B)', 'int'],
    ['size_string', false, 'string', 'int'], ['string_size', true, 'string', 'int'],
  ],
  type: [['type', false, 'A', 'type(A)']],
  bool: [['bool_to_bool', false, 'bool', 'bool'], ['string_to_bool', false, 'string', 'bool']],
  bytes: [['bytes_to_bytes', false, 'bytes', 'bytes'], ['string_to_bytes', false, 'string', 'bytes']],
  double: [
    ['double_to_double', false, 'double', 'double'], ['int64_to_double', false, 'int', 'double'],
    ['string_to_double', false, 'string', 'double'], ['uint64_to_double', false, 'uint', 'double'],
  ],
  duration: [
    ['duration_to_duration', false, 'duration', 'duration'], ['int64_to_duration', false, 'int', 'duration'],
    ['string_to_duration', false, 'string', 'duration'],
  ],
  dyn: [['to_dyn', false, 'A', 'dyn']],
  int: [
    ['int64_to_int64', false, 'int', 'int'], ['double_to_int64', false, 'double', 'int'], ['duration_to_int64', false, 'duration', 'int'],
    ['string_to_int64', false, 'string', 'int'], ['timestamp_to_int64', false, 'timestamp', 'int'], ['uint64_to_int64', false, 'uint', 'int'],
  ],
  string: [
    ['string_to_string', false, 'string', 'string'], ['bool_to_string', false, 'bool', 'string'], ['bytes_to_string', false, 'bytes', 'string'],
    ['double_to_string', false, 'double', 'string'], ['duration_to_string', false, 'duration', 'string'],
    ['int64_to_string', false, 'int', 'string'], ['timestamp_to_string', false, 'timestamp', 'string'], ['uint64_to_string', false, 'uint', 'string'],
  ],
  timestamp: [
    ['timestamp_to_timestamp', false, 'timestamp', 'timestamp'], ['int64_to_timestamp', false, 'int', 'timestamp'],
    ['string_to_timestamp', false, 'string', 'timestamp'],
  ],
  uint: [
    ['uint64_to_uint64', false, 'uint', 'uint'], ['double_to_uint64', false, 'double', 'uint'],
    ['int64_to_uint64', false, 'int', 'uint'], ['string_to_uint64', false, 'string', 'uint'],
  ],
  contains: [['contains_string', true, 'string,string', 'bool']],
  endsWith: [['ends_with_string', true, 'string,string', 'bool']],
  startsWith: [['starts_with_string', true, 'string,string', 'bool']],
  // The global form matches(s, re) is declared by cel-go but @bufbuild/cel only has the method.
  matches: [['matches', false, 'string,string', 'bool', false], ['matches_string', true, 'string,string', 'bool']],
  getFullYear: getters('to_year', false),
  getMonth: getters('to_month', false),
  getDayOfYear: getters('to_day_of_year', false),
  getDayOfMonth: getters('to_day_of_month', false),
  getDate: getters('to_day_of_month_1_based', false),
  getDayOfWeek: getters('to_day_of_week', false),
  getHours: getters('to_hours', true),
  getMinutes: getters('to_minutes', true),
  getSeconds: getters('to_seconds', true),
  getMilliseconds: getters('to_milliseconds', true),
  // cel-go ext/strings.go, the overloads ./strings.ts implements.
  split: [['string_split_string', true, 'string,string', 'list(string)'], ['string_split_string_int', true, 'string,string,int', 'list(string)']],
  lowerAscii: [['string_lower_ascii', true, 'string', 'string']],
  upperAscii: [['string_upper_ascii', true, 'string', 'string']],
  indexOf: [
    ['string_index_of_string', true, 'string,string', 'int'], ['string_index_of_string_int', true, 'string,string,int', 'int'],
    // Kubernetes lists library (pkg/cel/library/lists.go): not implemented here.
    ['list_a_index_of_int', true, 'list(A),A', 'int', false],
  ],
  join: [['list_join', true, 'list(string)', 'string'], ['list_join_string', true, 'list(string),string', 'string']],
};

/** The declared overloads of a function, or undefined when the standard environment has none. */
export function overloadsOf(name: string): readonly Overload[] | undefined {
  const sigs = FUNCTIONS[name];
  return sigs?.map(sig);
}

const gvk = T.object('kubernetes.GroupVersionKind', { group: T.string, version: T.string, kind: T.string });
const gvr = T.object('kubernetes.GroupVersionResource', { group: T.string, version: T.string, resource: T.string });

/** compile.go:48-89 BuildRequestType: the declared type of `request`. */
export const REQUEST_TYPE: CelT = T.object('kubernetes.AdmissionRequest', {
  kind: gvk,
  resource: gvr,
  subResource: T.string,
  requestKind: gvk,
  requestResource: gvr,
  requestSubResource: T.string,
  name: T.string,
  namespace: T.string,
  operation: T.string,
  userInfo: T.object('kubernetes.UserInfo', {
    username: T.string,
    uid: T.string,
    groups: T.list(T.string),
    extra: T.map(T.string, T.list(T.string)),
  }),
  dryRun: T.bool,
  options: T.dyn,
});

/** compile.go:94-139 BuildNamespaceType: the declared type of `namespaceObject`. */
export const NAMESPACE_TYPE: CelT = T.object('kubernetes.Namespace', {
  metadata: T.object('kubernetes.NamespaceMetadata', {
    name: T.string,
    generateName: T.string,
    namespace: T.string,
    labels: T.map(T.string, T.string),
    annotations: T.map(T.string, T.string),
    UID: T.string,
    creationTimestamp: T.timestamp,
    deletionGracePeriodSeconds: T.int,
    deletionTimestamp: T.timestamp,
    generation: T.int,
    resourceVersion: T.string,
    finalizers: T.list(T.string),
  }),
  spec: T.object('kubernetes.NamespaceSpec', { finalizers: T.list(T.string) }),
  status: T.object('kubernetes.NamespaceStatus', {
    conditions: T.list(
      T.object('kubernetes.NamespaceCondition', {
        status: T.string,
        type: T.string,
        lastTransitionTime: T.timestamp,
        message: T.string,
        reason: T.string,
      }),
    ),
    phase: T.string,
  }),
});

/** cel-go's standard type identifiers (`int`, `list`, ...), declared as `type(...)` values. */
export const TYPE_IDENTS: ReadonlyMap<string, CelT> = new Map([
  ['bool', T.type(T.bool)],
  ['bytes', T.type(T.bytes)],
  ['double', T.type(T.double)],
  ['google.protobuf.Duration', T.type(T.duration)],
  ['int', T.type(T.int)],
  ['list', T.type(T.list(T.param('A')))],
  ['map', T.type(T.map(T.param('A'), T.param('B')))],
  ['null_type', T.type(T.null)],
  ['string', T.type(T.string)],
  ['google.protobuf.Timestamp', T.type(T.timestamp)],
  ['type', T.type(T.type())],
  ['uint', T.type(T.uint)],
]);
