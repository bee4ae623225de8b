export * from '../../core/doctor/settings/callsSettings';
