// Names of directives that ts-init recognises without implementing them, and of those it
// accepts silently because they have no meaning inside a container. Everything else that
// unit.ts does not handle is an unknown directive.

/** Accepted without any message: informational, or meaningless for ts-init. */
export const SILENT: ReadonlySet<string> = new Set([
  'Unit/Documentation',
  'Unit/IgnoreOnIsolate',
  'Unit/AllowIsolate',
  'Unit/CollectMode',
  'Unit/RequiresMountsFor',
  'Unit/WantsMountsFor',
]);

export const UNSUPPORTED_NAMES: Readonly<Record<string, readonly string[]>> = {
  Unit: [
    'Requisite', 'JoinsNamespaceOf', 'OnFailure', 'OnSuccess', 'OnFailureJobMode',
    'OnFailureIsolate', 'StopWhenUnneeded', 'RefuseManualStart', 'RefuseManualStop',
    'JobTimeoutSec', 'JobRunningTimeoutSec', 'JobTimeoutAction', 'JobTimeoutRebootArgument', 'OnSuccessJobMode',
    'StartLimitAction', 'RebootArgument', 'SurviveFinalKillSignal',
  ],
  Service: [
    // systemd.service
    'ExecCondition', 'BusName', 'TimeoutAbortSec', 'TimeoutStartFailureMode', 'TimeoutStopFailureMode',
    'RuntimeMaxSec', 'RuntimeRandomizedExtraSec', 'OOMPolicy', 'ExitType',
    'FileDescriptorStoreMax', 'FileDescriptorStorePreserve', 'USBFunctionDescriptors', 'USBFunctionStrings',
    'Sockets', 'NonBlocking', 'PermissionsStartOnly', 'RootDirectoryStartOnly',
    'WatchdogSignal',
    // systemd.exec: paths, credentials, sandboxing
    'RootDirectory', 'RootImage', 'RootImageOptions', 'RootHash', 'RootHashSignature', 'RootVerity',
    'RootEphemeral', 'MountAPIVFS', 'ProtectProc', 'ProcSubset', 'BindPaths', 'BindReadOnlyPaths',
    'MountImages', 'ExtensionImages', 'ExtensionDirectories', 'DynamicUser', 'PAMName', 'CapabilityBoundingSet',
    'AmbientCapabilities', 'NoNewPrivileges', 'SecureBits', 'SELinuxContext', 'AppArmorProfile',
    'SmackProcessLabel', 'UMaskStartOnly', 'KeyringMode', 'OOMScoreAdjust', 'TimerSlackNSec', 'Personality',
    'IgnoreSIGPIPEStartOnly', 'CPUSchedulingPolicy', 'CPUSchedulingPriority', 'CPUSchedulingResetOnFork',
    'CPUAffinity', 'NUMAPolicy', 'NUMAMask', 'IOSchedulingClass', 'IOSchedulingPriority', 'ReadWritePaths',
    // The older names systemd still accepts for ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=.
    'ReadWriteDirectories', 'ReadOnlyDirectories', 'InaccessibleDirectories',
    'ReadOnlyPaths', 'InaccessiblePaths', 'ExecPaths', 'NoExecPaths', 'TemporaryFileSystem', 'MountFlags',
    'RemoveIPC', 'LockPersonality', 'MemoryDenyWriteExecute', 'SystemCallFilter', 'SystemCallErrorNumber',
    'SystemCallArchitectures', 'SystemCallLog', 'Hostname', 'NetworkNamespacePath', 'IPCNamespacePath',
    'TimeoutCleanSec',
    'UtmpIdentifier', 'UtmpMode', 'TTYPath', 'TTYReset', 'TTYVHangup', 'TTYVTDisallocate', 'TTYRows',
    'TTYColumns', 'StandardInputText', 'StandardInputData', 'CoredumpFilter', 'Slice', 'Delegate',
    'DelegateSubgroup', 'DevicePolicy', 'DeviceAllow', 'TasksAccounting', 'TasksMax', 'DisableControllers',
    'KillModeStartOnly', 'BPFProgram', 'NFTSet', 'CoredumpReceive', 'MemoryKSM',
    // systemd 254-257
    'RootImagePolicy', 'MountImagePolicy', 'ExtensionImagePolicy', 'SetLoginEnvironment', 'BPFDelegateCommands',
    'BPFDelegateMaps', 'BPFDelegatePrograms', 'BPFDelegateAttachments',
  ],
  Install: ['UpheldBy'],
  Socket: [
    'BindIPv6Only', 'BindToDevice', 'PassCredentials', 'PassSecurity', 'PassPacketInfo', 'ReusePort', 'FreeBind',
    'Transparent', 'Broadcast', 'KeepAlive', 'KeepAliveTimeSec', 'KeepAliveIntervalSec', 'KeepAliveProbes', 'NoDelay',
    'Priority', 'ReceiveBuffer', 'SendBuffer', 'Symlinks', 'Timestamping', 'TriggerLimitIntervalSec', 'TriggerLimitBurst',
    'PollLimitIntervalSec', 'PollLimitBurst', 'ExecStartPre', 'ExecStartPost', 'ExecStopPre', 'ExecStopPost',
    'MaxConnectionsPerSource', 'Writable', 'PipeSize', 'MessageQueueMaxMessages', 'MessageQueueMessageSize',
    'FlushPending', 'Mark', 'IPTOS', 'IPTTL', 'SmackLabel', 'SmackLabelIPIn', 'SmackLabelIPOut',
    'SELinuxContextFromNet', 'ListenSpecial', 'ListenNetlink', 'ListenMessageQueue', 'ListenUSBFunction',
    'SocketProtocol', 'DeferAcceptSec', 'TimeoutSec', 'Defer', 'User', 'Group', 'PassFileDescriptorsToExec',
  ],
};

/** Families of unsupported [Service] directives, matched by name prefix. */
export const UNSUPPORTED_SERVICE_PREFIXES = [
  'Limit', 'Private', 'Protect', 'Restrict', 'CPU', 'Memory', 'IO', 'BlockIO', 'Startup', 'Managed',
  'IPAddress', 'IPAccounting', 'IPIngress', 'IPEgress', 'Socket', 'LogLevel', 'LogExtra', 'LogRate',
  'LogNamespace', 'LogFilter', 'AllowedCPUs', 'AllowedMemoryNodes', 'StartupAllowed', 'DefaultMemory',
];

/** True when `key` in `section` is a known systemd directive that ts-init does not implement. */
export function isUnsupported(section: string, key: string): boolean {
  // Looked up in the lists themselves (asked only of a directive no handler took): a set of
  // "Section/Name" strings beside them was some 25 KB that PID 1 kept for as long as it runs.
  if (Object.hasOwn(UNSUPPORTED_NAMES, section) && UNSUPPORTED_NAMES[section]!.includes(key)) return true;
  if (section === 'Service') return UNSUPPORTED_SERVICE_PREFIXES.some((p) => key.startsWith(p) && !/^Limit[A-Z]+$/.test(key));
  return false;
}

export function isSilent(section: string, key: string): boolean {
  return SILENT.has(`${section}/${key}`) || key.startsWith('X-');
}
