/**
 * ApiVersions (api key 18), versions 0-3, flexible from 3: the versions of every API this side implements; answered at v0 when the client's version is unknown.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   ApiVersions Request (Version: 3) => client_software_name client_software_version
 *     client_software_name => string
 *     client_software_version => string
 *   ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms
 *     error_code => int16
 *     api_keys => api_key min_version max_version
 *       api_key => int16
 *       min_version => int16
 *       max_version => int16
 *     throttle_time_ms => int32
 *     tag 0: supported_features => {name min_version max_version}
 *     tag 1: finalized_features_epoch => int64
 *     tag 2: finalized_features => {name max_version_level min_version_level}
 *     tag 3: zk_migration_ready => bool
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const ApiVersionsApi = defineApi({
  key: 18,
  name: 'ApiVersions',
  versions: '0-3',
  flexible: '3+',
  request: [
    field('ClientSoftwareName', 'string', '3+'),
    field('ClientSoftwareVersion', 'string', '3+'),
  ],
  response: [
    field('ErrorCode', 'int16', '0+'),
    field('ApiKeys', array([
      field('ApiKey', 'int16', '0+'),
      field('MinVersion', 'int16', '0+'),
      field('MaxVersion', 'int16', '0+'),
    ]), '0+'),
    field('ThrottleTimeMs', 'int32', '1+'),
    field('SupportedFeatures', array([
      field('Name', 'string', '3+'),
      field('MinVersion', 'int16', '3+'),
      field('MaxVersion', 'int16', '3+'),
    ]), '3+', { tag: 0, tagged: '3+' }),
    field('FinalizedFeaturesEpoch', 'int64', '3+', { tag: 1, tagged: '3+', default: -1 }),
    field('FinalizedFeatures', array([
      field('Name', 'string', '3+'),
      field('MaxVersionLevel', 'int16', '3+'),
      field('MinVersionLevel', 'int16', '3+'),
    ]), '3+', { tag: 2, tagged: '3+' }),
    field('ZkMigrationReady', 'bool', '3+', { tag: 3, tagged: '3+' }),
  ],
});
