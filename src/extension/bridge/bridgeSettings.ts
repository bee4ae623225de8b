// The reader lives in the core so the doctor CLI validates these settings as the editor does.
export * from '../../core/doctor/settings/bridgeSettings';
