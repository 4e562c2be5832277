import { isValidTwilioSignature, twilioSignature } from './twilio-signature';

/** Twilio's published request-validation example (auth token 12345; its helper libraries test against it). */
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe('Twilio request signatures', () => {
  it('reproduce the published example', () => {
    expect(twilioSignature(TOKEN, URL, PARAMS)).toBe(SIGNATURE);
    expect(isValidTwilioSignature(TOKEN, URL, PARAMS, SIGNATURE)).toBe(true);
  });

  it('fail on any change: token, URL, a parameter, a missing or mangled signature', () => {
    expect(isValidTwilioSignature('54321', URL, PARAMS, SIGNATURE)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, `${URL}&x=1`, PARAMS, SIGNATURE)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, URL, { ...PARAMS, Digits: '9999' }, SIGNATURE)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, URL, { ...PARAMS, Extra: '' }, SIGNATURE)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, URL, PARAMS, undefined)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, URL, PARAMS, 'short')).toBe(false);
  });
});
