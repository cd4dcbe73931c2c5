// The title of a problem (and the reason phrase of its status line) is the status's name as the RFC that
// defines it spells it: RFC 9110 for HTTP's own statuses, RFC 6585 for the three it added. Node's table
// predates RFC 9110 and still says "Payload Too Large" and "Unprocessable Entity".
import { STATUS_CODES } from 'node:http';

const RFC_9110: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

const RFC_6585: Readonly<Record<number, string>> = {
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
};

export function statusTitle(status: number): string {
  return RFC_9110[status] ?? RFC_6585[status] ?? STATUS_CODES[status] ?? 'Error';
}
