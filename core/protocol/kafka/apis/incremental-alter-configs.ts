/**
 * IncrementalAlterConfigs (api key 44), versions 0-1, flexible from 1: sets or removes single config keys.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   IncrementalAlterConfigs Request (Version: 1) => [resources] validate_only
 *     resources => resource_type resource_name [configs]
 *       resource_type => int8
 *       resource_name => string
 *       configs => name config_operation value
 *         name => string
 *         config_operation => int8
 *         value => string (nullable)
 *     validate_only => bool
 *   IncrementalAlterConfigs Response (Version: 1) => throttle_time_ms [responses]
 *     throttle_time_ms => int32
 *     responses => error_code error_message resource_type resource_name
 *       error_code => int16
 *       error_message => string (nullable)
 *       resource_type => int8
 *       resource_name => string
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const IncrementalAlterConfigsApi = defineApi({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: [
    field('Resources', array([
      field('ResourceType', 'int8', '0+'),
      field('ResourceName', 'string', '0+'),
      field('Configs', array([
        field('Name', 'string', '0+'),
        field('ConfigOperation', 'int8', '0+'),
        field('Value', 'string', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
    field('ValidateOnly', 'bool', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Responses', array([
      field('ErrorCode', 'int16', '0+'),
      field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
      field('ResourceType', 'int8', '0+'),
      field('ResourceName', 'string', '0+'),
    ]), '0+'),
  ],
});
