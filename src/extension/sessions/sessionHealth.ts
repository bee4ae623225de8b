// The judgement lives in the core so the doctor CLI and the vitest plugin flag the same sessions.
export * from '../../core/doctor/sessionHealth';
