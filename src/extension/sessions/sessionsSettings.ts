export * from '../../core/doctor/settings/sessionsSettings';
