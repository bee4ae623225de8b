// The environment variables by which a runner's reporter names its run channel to the test
// processes it starts (runChannel.ts). A file of its own, importing nothing, so the register
// module can check for a channel in every process without loading the channel's code.

/** The channel directory. */
export const RUN_DIR_ENV = 'FLAKE_DOCTOR_RUN_DIR';
/** The reporter's pid: only it and its direct children write to the channel. */
export const RUN_PID_ENV = 'FLAKE_DOCTOR_RUN_PID';
