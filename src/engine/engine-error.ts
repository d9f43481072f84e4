/**
 * Set by the OCI config editor in a container whose rich-mode request it refused; ts-init
 * then prints it and exits 1, starting nothing (podman drops a failing hook's stderr).
 */
export const ENGINE_ERROR_ENV = 'TS_INIT_ENGINE_ERROR';
