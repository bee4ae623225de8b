export * from '../../core/doctor/settings/settingsReader';
