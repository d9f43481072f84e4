// The standard targets (systemd.special(7)) for images that do not ship them: an image
// with systemd installed has them in /lib/systemd/system, one without it does not, and
// packaged units still name them. An image's own file always wins over these.

/** default.target's built-in meaning when the image has no default.target. */
export const DEFAULT_TARGET_ALIAS = { name: 'default.target', target: 'multi-user.target' } as const;

const t = (description: string, ...lines: string[]): string => `[Unit]\nDescription=${description}\n${lines.map((l) => `${l}\n`).join('')}`;

export const BUILTIN_TARGETS: Readonly<Record<string, string>> = {
  'sysinit.target': t('System Initialization', 'Wants=local-fs.target swap.target', 'After=local-fs.target swap.target'),
  'basic.target': t(
    'Basic System',
    'Requires=sysinit.target',
    'Wants=sockets.target timers.target paths.target slices.target',
    'After=sysinit.target sockets.target paths.target slices.target',
  ),
  'multi-user.target': t('Multi-User System', 'Requires=basic.target', 'After=basic.target'),
  'graphical.target': t('Graphical Interface', 'Requires=multi-user.target', 'After=multi-user.target'),
  'sockets.target': t('Sockets'),
  'timers.target': t('Timer Units'),
  'paths.target': t('Path Units'),
  'slices.target': t('Slice Units'),
  'local-fs-pre.target': t('Preparation for Local File Systems', 'DefaultDependencies=no'),
  'local-fs.target': t('Local File Systems', 'DefaultDependencies=no', 'After=local-fs-pre.target'),
  'swap.target': t('Swaps'),
  'remote-fs-pre.target': t('Preparation for Remote File Systems'),
  'remote-fs.target': t('Remote File Systems', 'After=remote-fs-pre.target'),
  'network-pre.target': t('Preparation for Network'),
  'network.target': t('Network', 'After=network-pre.target'),
  'network-online.target': t('Network is Online', 'Requires=network.target', 'After=network.target'),
  'nss-lookup.target': t('Host and Network Name Lookups'),
  'nss-user-lookup.target': t('User and Group Name Lookups'),
  'time-set.target': t('System Time Set'),
  'time-sync.target': t('System Time Synchronized', 'After=time-set.target'),
  'rpcbind.target': t('RPC Port Mapper'),
  'getty-pre.target': t('Preparation for Logins'),
  'getty.target': t('Login Prompts'),
  'shutdown.target': t('System Shutdown', 'DefaultDependencies=no'),
};
