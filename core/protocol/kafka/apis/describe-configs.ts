/**
 * DescribeConfigs (api key 32), versions 0-4, flexible from 4: topic (and broker) configs with their sources.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DescribeConfigs Request (Version: 4) => [resources] include_synonyms include_documentation
 *     resources => resource_type resource_name [configuration_keys]
 *       resource_type => int8
 *       resource_name => string
 *       configuration_keys => ARRAY(string) (nullable)
 *     include_synonyms => bool
 *     include_documentation => bool
 *   DescribeConfigs Response (Version: 4) => throttle_time_ms [results]
 *     throttle_time_ms => int32
 *     results => error_code error_message resource_type resource_name [configs]
 *       error_code => int16
 *       error_message => string (nullable)
 *       resource_type => int8
 *       resource_name => string
 *       configs => name value read_only config_source is_sensitive [synonyms] config_type documentation
 *         name => string
 *         value => string (nullable)
 *         read_only => bool
 *         config_source => int8
 *         is_sensitive => bool
 *         synonyms => name value source
 *           name => string
 *           value => string (nullable)
 *           source => int8
 *         config_type => int8
 *         documentation => string (nullable)
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DescribeConfigsApi = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: [
    field('Resources', array([
      field('ResourceType', 'int8', '0+'),
      field('ResourceName', 'string', '0+'),
      field('ConfigurationKeys', '[]string', '0+', { nullable: '0+' }),
    ]), '0+'),
    field('IncludeSynonyms', 'bool', '1+'),
    field('IncludeDocumentation', 'bool', '3+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Results', array([
      field('ErrorCode', 'int16', '0+'),
      field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
      field('ResourceType', 'int8', '0+'),
      field('ResourceName', 'string', '0+'),
      field('Configs', array([
        field('Name', 'string', '0+'),
        field('Value', 'string', '0+', { nullable: '0+' }),
        field('ReadOnly', 'bool', '0+'),
        field('IsDefault', 'bool', '0'),
        field('ConfigSource', 'int8', '1+', { default: -1 }),
        field('IsSensitive', 'bool', '0+'),
        field('Synonyms', array([
          field('Name', 'string', '1+'),
          field('Value', 'string', '1+', { nullable: '0+' }),
          field('Source', 'int8', '1+'),
        ]), '1+'),
        field('ConfigType', 'int8', '3+'),
        field('Documentation', 'string', '3+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
  ],
});
