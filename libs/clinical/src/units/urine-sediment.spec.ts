import { castTypeFinding, countFinding, mentionFinding, presenceFinding } from './urine-sediment';

describe('urine sediment findings as labs report them (RENAL-1 second arm)', () => {
  it.each`
    value  | comparator | expected
    ${0}   | ${null}    | ${'absent'}
    ${1}   | ${null}    | ${'present'}
    ${0.5} | ${null}    | ${'present'}
    ${1}   | ${'<'}     | ${'unreadable'}
    ${0}   | ${'<='}    | ${'absent'}
    ${2}   | ${'>'}     | ${'present'}
    ${-1}  | ${null}    | ${'unreadable'}
  `('a count $comparator$value per field → $expected', ({ value, comparator, expected }) => {
    expect(countFinding(value, comparator)).toBe(expected);
  });

  it.each`
    text                   | expected
    ${'Present'}           | ${'present'}
    ${'POSITIVE'}          | ${'present'}
    ${'Few'}               | ${'present'}
    ${'occasional'}        | ${'present'}
    ${'2+'}                | ${'present'}
    ${'52101004'}          | ${'present'}
    ${'10828004'}          | ${'present'}
    ${'Negative'}          | ${'absent'}
    ${'None seen'}         | ${'absent'}
    ${'not detected.'}     | ${'absent'}
    ${'2667000'}           | ${'absent'}
    ${'260385009'}         | ${'absent'}
    ${'0'}                 | ${'absent'}
    ${'0-2'}               | ${'present'}
    ${'1-3/LPF'}           | ${'present'}
    ${'0 /LPF'}            | ${'absent'}
    ${'<1'}                | ${'unreadable'}
    ${'RBC casts seen'}    | ${'present'}
    ${'No RBC casts seen'} | ${'absent'}
    ${'see comment'}       | ${'unreadable'}
    ${''}                  | ${'unreadable'}
  `('red cell casts reported as "$text" → $expected', ({ text, expected }) => {
    expect(presenceFinding(text, 'rbc-casts')).toBe(expected);
  });

  it.each`
    text                            | expected
    ${'RBC'}                        | ${'present'}
    ${'Red blood cell'}             | ${'present'}
    ${'Red cell casts'}             | ${'present'}
    ${'Erythrocytic'}               | ${'present'}
    ${'Hyaline, RBC'}               | ${'present'}
    ${'granular and red cell cast'} | ${'present'}
    ${'Hyaline'}                    | ${'absent'}
    ${'Hyaline; granular'}          | ${'absent'}
    ${'None'}                       | ${'absent'}
    ${'WBC casts'}                  | ${'absent'}
  `('a cast-type value "$text" → red cell casts $expected', ({ text, expected }) => {
    expect(castTypeFinding(text)).toBe(expected);
  });

  it.each`
    text                                                 | finding             | expected
    ${'Occasional RBC casts seen.'}                      | ${'rbc-casts'}      | ${'present'}
    ${'Red blood cell casts: 2/LPF'}                     | ${'rbc-casts'}      | ${'present'}
    ${'Erythrocyte casts present'}                       | ${'rbc-casts'}      | ${'present'}
    ${'Casts: RBC 1/LPF'}                                | ${'rbc-casts'}      | ${'present'}
    ${'No RBC casts seen.'}                              | ${'rbc-casts'}      | ${'absent'}
    ${'RBC casts: none'}                                 | ${'rbc-casts'}      | ${'absent'}
    ${'RBC casts 0/LPF'}                                 | ${'rbc-casts'}      | ${'absent'}
    ${'Hyaline casts none, RBC casts 2/LPF'}             | ${'rbc-casts'}      | ${'present'}
    ${'No red cell casts. Dysmorphic RBCs present.'}     | ${'rbc-casts'}      | ${'absent'}
    ${'No red cell casts. Dysmorphic RBCs present.'}     | ${'dysmorphic-rbc'} | ${'present'}
    ${'RBC 10-20/HPF, many dysmorphic; acanthocytes 6%'} | ${'dysmorphic-rbc'} | ${'present'}
    ${'Dysmorphic RBC 0%'}                               | ${'dysmorphic-rbc'} | ${'absent'}
    ${'RBCs isomorphic, no dysmorphic forms'}            | ${'dysmorphic-rbc'} | ${'absent'}
    ${'G1 cells seen'}                                   | ${'dysmorphic-rbc'} | ${'present'}
    ${'RBC 5/HPF. WBC 2/HPF. Hyaline casts 1/LPF.'}      | ${'rbc-casts'}      | ${'not-mentioned'}
    ${'RBC 5/HPF. WBC 2/HPF. Hyaline casts 1/LPF.'}      | ${'dysmorphic-rbc'} | ${'not-mentioned'}
  `('free text "$text" → $finding $expected', ({ text, finding, expected }) => {
    expect(mentionFinding(text, finding)).toBe(expected);
  });
});
